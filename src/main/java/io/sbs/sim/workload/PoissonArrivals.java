package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/** Poisson arrivals at {@code qps} requests per second: independent exponential gaps with mean {@code 1 / qps}. */
public record PoissonArrivals(double qps) implements ArrivalProcess {

    public PoissonArrivals {
        if (!(qps > 0) || Double.isInfinite(qps)) {
            throw new IllegalArgumentException("qps must be finite and > 0, got " + qps);
        }
    }

    @Override
    public long nextGapNanos(RandomGenerator random) {
        return Math.round(exponential(random, 1 / qps) * 1e9);
    }

    /** An exponential draw with the given mean; {@code 1 - u} keeps the logarithm's argument in (0, 1]. */
    static double exponential(RandomGenerator random, double mean) {
        return -Math.log(1 - random.nextDouble()) * mean;
    }
}
