/**
 * The engines the dispatcher talks to ({@link io.sbs.cluster.EngineCluster}): the configured instances and
 * their clients, those joining and leaving at run time, load polling into the dispatch loop, and which
 * instance URLs may be registered ({@link io.sbs.cluster.InstanceUrls}). With no instance configured it
 * starts the embedded default through {@link io.sbs.cluster.EmbeddedEngines}, a port that the engine
 * simulator implements as a bean, so the product never names its tools.
 */
@NullMarked
package io.sbs.cluster;

import org.jspecify.annotations.NullMarked;
