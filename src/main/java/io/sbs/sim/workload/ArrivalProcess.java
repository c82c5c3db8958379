package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/**
 * When requests arrive: the gap to the next arrival, in nanoseconds. An implementation may keep state
 * between calls (a bursty process remembers whether it is in a burst); {@link #restart()} hands out a
 * process in its initial state, which is how {@link WorkloadGenerator} stays a pure function of its seed.
 */
public interface ArrivalProcess {

    /** Nanoseconds from the previous arrival (or from time 0) to the next one; never negative. */
    long nextGapNanos(RandomGenerator random);

    /** This process in its initial state; stateless processes return themselves. */
    default ArrivalProcess restart() {
        return this;
    }
}
