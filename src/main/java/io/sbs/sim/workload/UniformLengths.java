package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/** Lengths uniform on {@code [min, max]}. */
public record UniformLengths(int min, int max) implements LengthDistribution {

    public UniformLengths {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("need 1 <= min <= max");
        }
    }

    @Override
    public int sample(RandomGenerator random) {
        return min + random.nextInt(max - min + 1);
    }

    @Override
    public double mean() {
        return (min + max) / 2.0;
    }
}
