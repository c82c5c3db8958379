package io.sbs.sim.workload;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Lengths from a log-normal with shape {@code sigma}, truncated to {@code [min, max]} by rejection, whose
 * location is solved so that the truncated mean equals {@code targetMean}.
 *
 * <p>How: the truncated mean grows monotonically with the location {@code mu}, so {@code mu} is found by
 * bisection, each step estimating the truncated mean from 20,000 draws of a fixed-seed generator (so the
 * solution is the same on every run). The heavy right tail is what conversational workloads show.
 */
public final class TruncatedLogNormal implements LengthDistribution {

    private final int min;
    private final int max;
    private final double sigma;
    private final double mu;
    private final double mean;

    public TruncatedLogNormal(int min, int max, double targetMean, double sigma) {
        if (min < 1 || max <= min || !(targetMean > min) || !(targetMean < max) || !(sigma > 0)) {
            throw new IllegalArgumentException("need 1 <= min < targetMean < max and sigma > 0");
        }
        this.min = min;
        this.max = max;
        this.sigma = sigma;
        double lo = Math.log(min) - 3 * sigma;
        double hi = Math.log(max) + 3 * sigma;
        for (int i = 0; i < 40; i++) {
            double mid = (lo + hi) / 2;
            if (estimateMean(mid) < targetMean) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        this.mu = (lo + hi) / 2;
        this.mean = estimateMean(mu);
    }

    private double estimateMean(double location) {
        SplittableRandom r = new SplittableRandom(0x5eed);
        double sum = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            sum += draw(r, location);
        }
        return sum / n;
    }

    private int draw(RandomGenerator random, double location) {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            long v = Math.round(Math.exp(location + sigma * random.nextGaussian()));
            if (v >= min && v <= max) {
                return (int) v;
            }
        }
        // the window holds almost no mass at this location: clamp rather than loop forever
        return location < Math.log(min) ? min : max;
    }

    @Override
    public int sample(RandomGenerator random) {
        return draw(random, mu);
    }

    @Override
    public double mean() {
        return mean;
    }

    public int min() {
        return min;
    }

    public int max() {
        return max;
    }
}
