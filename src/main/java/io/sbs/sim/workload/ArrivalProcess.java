package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/** When requests arrive: the gap to the next arrival, in nanoseconds. May keep state between calls. */
public interface ArrivalProcess {

    long nextGapNanos(RandomGenerator random);
}
