package io.sbs.sim;

import java.util.List;

/**
 * What one decode simulation measured after warm-up.
 *
 * @param allocator       the decode placement the policy used
 * @param throughputTps   output tokens per second of the whole decode cluster
 * @param tpotMs          time per output token of finished requests, from joining a batch to finishing
 * @param kvLoad          KV tokens per unit over all periodic samples of all units
 * @param stepMs          decode step durations
 * @param kvSeries        per sample: seconds since warm-up, then p10, p50, p90 and max of KV over units
 */
public record DecodeResult(String policy, String allocator, double throughputTps, long completed, Stats tpotMs,
        Stats kvLoad, Stats stepMs, List<double[]> kvSeries) {
}
