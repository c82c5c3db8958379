package io.sbs.sim;

import java.util.Arrays;

/** Summary statistics of a sample, for reports. Percentiles by linear interpolation. */
public record Stats(long count, double mean, double p10, double p50, double p90, double p99, double max) {

    public static final Stats EMPTY = new Stats(0, 0, 0, 0, 0, 0, 0);

    public static Stats of(double[] values, int size) {
        if (size == 0) {
            return EMPTY;
        }
        double[] v = Arrays.copyOf(values, size);
        Arrays.sort(v);
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return new Stats(size, sum / size, pct(v, 0.10), pct(v, 0.50), pct(v, 0.90), pct(v, 0.99), v[size - 1]);
    }

    static double pct(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** A growable sample of doubles, cheaper than boxed lists in long runs. */
    public static final class Sample {
        private double[] values = new double[1024];
        private int size;

        public void add(double v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        public int size() {
            return size;
        }

        public Stats stats() {
            return Stats.of(values, size);
        }

        public double mean() {
            double s = 0;
            for (int i = 0; i < size; i++) {
                s += values[i];
            }
            return size == 0 ? 0 : s / size;
        }
    }
}
