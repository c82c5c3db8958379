/**
 * The scheduling core: DP-unit state, the capacity model, the adaptive interval, the readiness triple
 * check, the prefill and decode allocators and the immediate-dispatch baselines of Staggered Batch
 * Scheduling (arXiv 2512.16134, section 4). It is plain, synchronous, single-threaded Java with no
 * framework, I/O or clock: callers feed it events stamped with their own clock (virtual time in the
 * simulator, a monotonic clock in the live service) and act on the decisions it returns, so that the
 * simulator and the live dispatcher run exactly the same code. ArchitectureTest enforces this.
 */
@NullMarked
package io.sbs.core;

import org.jspecify.annotations.NullMarked;
