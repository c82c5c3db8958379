package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/**
 * Bursty arrivals: a two-state Markov-modulated Poisson process (MMPP-2).
 *
 * <p>The model: the process alternates between a calm state and a burst state. Within a state, requests
 * arrive as a Poisson process, at {@code burstFactor} times the calm rate while bursting. State sojourns
 * are exponential, with mean {@code meanBurstSeconds} for a burst and {@code burstFactor · meanBurstSeconds}
 * for a calm spell, so bursts take {@code 1 / (1 + burstFactor)} of the time and bring half of all
 * requests. With time shares {@code b} and {@code c} of burst and calm, the long-run rate is
 * {@code (burstFactor · calm · b + calm · c) / (b + c)}; the calm rate is solved from that so the long-run
 * rate equals {@code meanQps}. The first state is drawn from the stationary distribution, so a workload has
 * no warm-up transient. {@code burstFactor = 1} is plain Poisson at {@code meanQps}.
 *
 * <p>Stateful (it remembers the current state and the time left in it); {@link #restart()} returns a fresh
 * copy, and {@link WorkloadGenerator} uses one, so generated workloads depend on the seed alone.
 */
public final class BurstyArrivals implements ArrivalProcess {

    private final double meanQps;
    private final double burstFactor;
    private final double calmQps;
    private final double burstQps;
    private final double meanBurstSeconds;
    private final double meanCalmSeconds;
    private boolean burst;
    private double stateLeftSeconds = -1;

    public BurstyArrivals(double meanQps, double burstFactor, double meanBurstSeconds) {
        if (!(meanQps > 0) || !(burstFactor >= 1) || !(meanBurstSeconds > 0) || Double.isInfinite(meanQps)
                || Double.isInfinite(burstFactor) || Double.isInfinite(meanBurstSeconds)) {
            throw new IllegalArgumentException("need finite meanQps > 0, burstFactor >= 1, meanBurstSeconds > 0");
        }
        this.meanQps = meanQps;
        this.burstFactor = burstFactor;
        this.meanBurstSeconds = meanBurstSeconds;
        this.meanCalmSeconds = meanBurstSeconds * burstFactor;
        double b = meanBurstSeconds;
        double c = meanCalmSeconds;
        this.calmQps = meanQps * (b + c) / (burstFactor * b + c);
        this.burstQps = calmQps * burstFactor;
    }

    @Override
    public long nextGapNanos(RandomGenerator random) {
        if (stateLeftSeconds < 0) {
            burst = random.nextDouble() < meanBurstSeconds / (meanBurstSeconds + meanCalmSeconds);
            stateLeftSeconds = PoissonArrivals.exponential(random, burst ? meanBurstSeconds : meanCalmSeconds);
        }
        double gap = 0;
        while (true) {
            double next = PoissonArrivals.exponential(random, 1 / (burst ? burstQps : calmQps));
            if (next <= stateLeftSeconds) {
                stateLeftSeconds -= next;
                return Math.round((gap + next) * 1e9);
            }
            // memorylessness: the rest of this gap is drawn afresh at the next state's rate
            gap += stateLeftSeconds;
            burst = !burst;
            stateLeftSeconds = PoissonArrivals.exponential(random, burst ? meanBurstSeconds : meanCalmSeconds);
        }
    }

    @Override
    public BurstyArrivals restart() {
        return new BurstyArrivals(meanQps, burstFactor, meanBurstSeconds);
    }

    /** Arrival rate in the calm state, requests per second. */
    public double calmQps() {
        return calmQps;
    }

    /** Arrival rate in the burst state, requests per second. */
    public double burstQps() {
        return burstQps;
    }

    @Override
    public String toString() {
        return "BurstyArrivals[meanQps=" + meanQps + ", burstFactor=" + burstFactor + ", meanBurstSeconds="
                + meanBurstSeconds + "]";
    }
}
