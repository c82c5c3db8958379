/**
 * The digital twin: a deterministic discrete-event simulation (virtual time in nanoseconds, seeded
 * randomness) of a prefill/decode-disaggregated DP+EP cluster, driving the very same core classes the
 * live dispatcher runs. Engine profiles, workloads and the measured metrics live here; reading files and
 * writing reports is the benchmark runner's job ({@code io.sbs.bench}), so this package needs the JDK only.
 */
@NullMarked
package io.sbs.sim;

import org.jspecify.annotations.NullMarked;
