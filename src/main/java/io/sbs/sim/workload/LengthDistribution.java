package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/** A distribution of request lengths in tokens (always at least 1). */
public interface LengthDistribution {

    int sample(RandomGenerator random);

    /** The distribution's mean, for sizing load; estimated by sampling when not known in closed form. */
    double mean();
}
