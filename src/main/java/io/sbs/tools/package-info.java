/**
 * What the tools ({@code bench}, {@code chaos}) share to run real processes and write their results:
 * free ports, the launch of a dispatcher or engine-simulator JVM from this jar or class path, a process
 * group that kills every child however a run ends, polling waits, the credentials of started dispatchers,
 * Prometheus text sums, and the report writers (sorted JSON summaries, markdown tables). A tool package:
 * it may use the product, the product never uses it.
 */
@NullMarked
package io.sbs.tools;

import org.jspecify.annotations.NullMarked;
