package io.sbs.bench;

import io.sbs.core.SchedulingPolicy;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.PrefillResult;
import io.sbs.sim.PrefillSimulation;
import io.sbs.sim.Signals;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.LengthDistribution;
import io.sbs.sim.workload.PoissonArrivals;
import io.sbs.sim.workload.WorkloadGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * Prefill simulation runs as the suites use them: Poisson load at a given QPS, averaged over seeds, and
 * the search for the highest QPS a policy sustains under a mean-TTFT objective.
 *
 * @param seconds   measured virtual seconds per run (after warm-up)
 * @param warmup    virtual seconds simulated before measuring
 * @param seeds     seeds per point; every policy sees the same workloads
 * @param signals   what the engines tell the dispatcher
 * @param pollNanos how often the dispatcher polls each instance's load
 */
record PrefillRuns(EngineProfile profile, LengthDistribution prompts, LengthDistribution outputs, double seconds,
        double warmup, List<Long> seeds, Signals signals, long pollNanos) {

    private static final long NANOS = 1_000_000_000L;
    /** The poll period of runs with EndForward pushes, where polls only catch idle engines (the paper's setting). */
    static final long PUSH_POLL_NANOS = 100_000_000L;
    /** The live dispatcher's default poll period ({@code sbs.poll-interval}), for runs on stock signals. */
    static final long STOCK_POLL_NANOS = 50_000_000L;

    PrefillRuns(EngineProfile profile, LengthDistribution prompts, LengthDistribution outputs, double seconds,
            double warmup, List<Long> seeds, Signals signals) {
        this(profile, prompts, outputs, seconds, warmup, seeds, signals, pollNanos(signals));
    }

    /** How often the simulated dispatcher polls each instance's load with these signals. */
    static long pollNanos(Signals signals) {
        return signals == Signals.PUSH ? PUSH_POLL_NANOS : STOCK_POLL_NANOS;
    }

    PrefillRuns(EngineProfile profile, LengthDistribution prompts, LengthDistribution outputs, double seconds,
            double warmup, List<Long> seeds) {
        this(profile, prompts, outputs, seconds, warmup, seeds, Signals.PUSH, PUSH_POLL_NANOS);
    }

    /** Results of {@code policy} at {@code qps}, one per seed. */
    List<PrefillResult> run(String policy, double qps, double giveUpSeconds) {
        List<PrefillResult> out = new ArrayList<>(seeds.size());
        for (long seed : seeds) {
            int count = (int) Math.max(50, Math.round(qps * (seconds + warmup)));
            List<WorkloadRequest> workload = WorkloadGenerator.generate(new PoissonArrivals(qps), prompts, outputs,
                    count, seed);
            PrefillSimulation.Config config = new PrefillSimulation.Config(profile, SchedulingPolicy.defaults(policy),
                    workload, seed, (long) (warmup * NANOS), pollNanos, 60 * NANOS,
                    (long) (giveUpSeconds * NANOS), List.of(), signals);
            out.add(PrefillSimulation.run(config));
        }
        return out;
    }

    /**
     * Mean TTFT over seeds. A saturated run counts its unfinished requests with their wait so far, so
     * the value is then a lower bound.
     */
    static double meanTtft(List<PrefillResult> results) {
        return mean(results, r -> r.ttft().mean());
    }

    /** Whether every seed finished without saturating and the mean TTFT is within {@code slo}. */
    static boolean sustains(List<PrefillResult> results, double slo) {
        for (PrefillResult r : results) {
            if (r.saturated()) {
                return false;
            }
        }
        return meanTtft(results) <= slo;
    }

    static double mean(List<PrefillResult> results, java.util.function.ToDoubleFunction<PrefillResult> f) {
        double sum = 0;
        for (PrefillResult r : results) {
            sum += f.applyAsDouble(r);
        }
        return sum / results.size();
    }

    /** The QPS a pass of full chunks on every unit of every instance would sustain, an upper bound. */
    double capacityQps(double meanPrompt) {
        EngineProfile.Prefill p = profile.prefill();
        long chunk = p.unitChunkTokens();
        double fullPassMs = p.t0Ms() + p.bMaxMsPerToken() * chunk + p.bSumMsPerToken() * chunk * p.dpUnits();
        double tokensPerSecond = p.instances() * p.dpUnits() * chunk / (fullPassMs / 1000.0);
        return tokensPerSecond / meanPrompt;
    }

    /**
     * The highest QPS at which {@code policy}'s mean TTFT stays within {@code slo} seconds, by bisection
     * between 0 and {@code upper} to a relative precision of 1%. Returns the sustained point's QPS and
     * its results (null results when even the lowest probe fails).
     */
    MaxQps maxQps(String policy, double slo, double upper) {
        double lo = 0;
        double hi = upper;
        List<PrefillResult> atLo = null;
        while (hi - lo > 0.01 * hi) {
            double mid = (lo + hi) / 2;
            List<PrefillResult> r = run(policy, mid, 10 * slo + 5);
            if (sustains(r, slo)) {
                lo = mid;
                atLo = r;
            } else {
                hi = mid;
            }
        }
        return new MaxQps(policy, slo, lo, atLo);
    }

    record MaxQps(String policy, double slo, double qps, List<PrefillResult> results) {

        double chunkUtilization() {
            return results == null ? 0 : mean(results, PrefillResult::chunkUtilization);
        }

        double ttft() {
            return results == null ? Double.NaN : meanTtft(results);
        }
    }
}
