package io.sbs.bench.http;

import java.util.Arrays;

/**
 * Percentiles of a set of request latencies, in milliseconds. Nearest-rank definition: the p-th
 * percentile is the smallest sample with at least a fraction {@code p} of the samples at or below it,
 * so every reported figure is a latency that some request really saw.
 *
 * @param count  samples
 * @param meanMs mean
 * @param p50Ms  median
 * @param p99Ms  99th percentile
 * @param p999Ms 99.9th percentile
 * @param maxMs  slowest sample
 */
public record LatencyStats(int count, double meanMs, double p50Ms, double p99Ms, double p999Ms, double maxMs) {

    /** No samples: every figure is NaN, which the report prints as a dash. */
    public static final LatencyStats EMPTY = new LatencyStats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** Statistics of {@code nanos}; the array is not modified. */
    public static LatencyStats ofNanos(long[] nanos) {
        if (nanos.length == 0) {
            return EMPTY;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (long n : sorted) {
            sum += n;
        }
        return new LatencyStats(sorted.length, sum / sorted.length / 1e6, percentile(sorted, 0.50) / 1e6,
                percentile(sorted, 0.99) / 1e6, percentile(sorted, 0.999) / 1e6, sorted[sorted.length - 1] / 1e6);
    }

    /** Nearest-rank percentile of an ascending, non-empty array; {@code p} in (0, 1]. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0 || !(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("need samples and 0 < p <= 1, got " + sorted.length + " samples, p " + p);
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(1, rank) - 1];
    }

    /**
     * What a proxy adds over the direct path, percentile by percentile. Differences of percentiles, not
     * percentiles of differences: requests are not paired across runs. Can come out slightly negative
     * when the proxy costs less than the run-to-run noise.
     */
    Added minus(LatencyStats direct) {
        return new Added(p50Ms - direct.p50Ms, p99Ms - direct.p99Ms, p999Ms - direct.p999Ms);
    }

    /** Added latency in milliseconds at the median, the 99th and the 99.9th percentile. */
    record Added(double p50Ms, double p99Ms, double p999Ms) {
    }
}
