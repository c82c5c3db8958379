/**
 * Synthetic workloads for the simulator: arrival processes (Poisson, bursty), request-length
 * distributions (the paper's prompt and decode lengths), and a seeded generator that turns them into a
 * request list. Everything is deterministic for a seed and needs the JDK only.
 */
@NullMarked
package io.sbs.sim.workload;

import org.jspecify.annotations.NullMarked;
