/**
 * Synthetic workloads for the simulator: arrival processes (Poisson, and bursty as a two-state
 * Markov-modulated Poisson process), request-length distributions (the paper's prompt and decode lengths
 * as truncated log-normals), a seeded generator that turns them into a request list, and time scaling to
 * replay a workload at another rate. Everything is a deterministic function of its seed and needs the JDK
 * only, so the same workload can be replayed against every policy.
 */
@NullMarked
package io.sbs.sim.workload;

import org.jspecify.annotations.NullMarked;
