package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/** Lengths uniform on the integers {@code [min, max]}, in tokens. */
public record UniformLengths(int min, int max) implements LengthDistribution {

    public UniformLengths {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("need 1 <= min <= max, got [" + min + ", " + max + "]");
        }
    }

    @Override
    public int sample(RandomGenerator random) {
        return (int) random.nextLong(min, max + 1L);
    }

    @Override
    public double mean() {
        return (min + (double) max) / 2;
    }
}
