package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/** A distribution of request lengths in tokens. Implementations are immutable and never return less than 1. */
public interface LengthDistribution {

    /** One length, in tokens, drawn with {@code random}. */
    int sample(RandomGenerator random);

    /** The distribution's mean in tokens, for sizing load. */
    double mean();
}
