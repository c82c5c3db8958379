package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/** Poisson arrivals: exponential gaps with mean {@code 1 / qps}. */
public record PoissonArrivals(double qps) implements ArrivalProcess {

    public PoissonArrivals {
        if (!(qps > 0)) {
            throw new IllegalArgumentException("qps must be > 0");
        }
    }

    @Override
    public long nextGapNanos(RandomGenerator random) {
        return Math.round(-Math.log(1 - random.nextDouble()) / qps * 1e9);
    }
}
