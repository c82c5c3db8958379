package io.sbs.sim.workload;

import java.util.random.RandomGenerator;

/**
 * Bursty arrivals: a two-state Markov-modulated Poisson process. In the burst state requests arrive at
 * {@code burstFactor} times the calm rate; bursts and calm spells last exponentially distributed times
 * with means {@code meanBurstSeconds} and {@code meanBurstSeconds * burstFactor}, so half of all requests
 * come in bursts that take {@code 1 / (1 + burstFactor)} of the time. The calm rate is set so the
 * long-run mean rate is {@code meanQps}. Stateful: use one instance per generated workload.
 */
public final class BurstyArrivals implements ArrivalProcess {

    private final double calmQps;
    private final double burstQps;
    private final double meanBurstSeconds;
    private final double meanCalmSeconds;
    private boolean burst;
    private double stateLeftSeconds = -1;

    public BurstyArrivals(double meanQps, double burstFactor, double meanBurstSeconds) {
        if (!(meanQps > 0) || !(burstFactor >= 1) || !(meanBurstSeconds > 0)) {
            throw new IllegalArgumentException("need meanQps > 0, burstFactor >= 1, meanBurstSeconds > 0");
        }
        this.meanBurstSeconds = meanBurstSeconds;
        this.meanCalmSeconds = meanBurstSeconds * burstFactor;
        // time shares: burst b/(b+c), calm c/(b+c); mean = (burstQps·b + calmQps·c)/(b+c), burstQps = f·calmQps
        double b = meanBurstSeconds;
        double c = meanCalmSeconds;
        this.calmQps = meanQps * (b + c) / (burstFactor * b + c);
        this.burstQps = calmQps * burstFactor;
    }

    @Override
    public long nextGapNanos(RandomGenerator random) {
        if (stateLeftSeconds < 0) {
            burst = random.nextDouble() < meanBurstSeconds / (meanBurstSeconds + meanCalmSeconds);
            stateLeftSeconds = exp(random, burst ? meanBurstSeconds : meanCalmSeconds);
        }
        double gap = 0;
        while (true) {
            double rate = burst ? burstQps : calmQps;
            double next = exp(random, 1 / rate);
            if (next <= stateLeftSeconds) {
                stateLeftSeconds -= next;
                return Math.round((gap + next) * 1e9);
            }
            // memorylessness: the rest of this gap is drawn afresh in the next state
            gap += stateLeftSeconds;
            burst = !burst;
            stateLeftSeconds = exp(random, burst ? meanBurstSeconds : meanCalmSeconds);
        }
    }

    private static double exp(RandomGenerator random, double mean) {
        return -Math.log(1 - random.nextDouble()) * mean;
    }
}
