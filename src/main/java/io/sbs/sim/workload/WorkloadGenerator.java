package io.sbs.sim.workload;

import io.sbs.sim.WorkloadRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns an arrival process and length distributions into a request list, arrivals cumulative from time 0.
 * A pure function of its arguments: the same seed gives the same list, also when the arrival process is
 * stateful and reused, because it runs on {@link ArrivalProcess#restart() a fresh copy}. Gaps and lengths
 * come from separate streams, so changing the rate leaves the lengths of the i-th request unchanged.
 */
public final class WorkloadGenerator {

    private WorkloadGenerator() {
    }

    public static List<WorkloadRequest> generate(ArrivalProcess arrivals, LengthDistribution prompts,
            LengthDistribution outputs, int count, long seed) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        ArrivalProcess process = arrivals.restart();
        SplittableRandom gaps = new SplittableRandom(seed);
        SplittableRandom lengths = gaps.split();
        List<WorkloadRequest> out = new ArrayList<>(count);
        long t = 0;
        for (int i = 0; i < count; i++) {
            t += process.nextGapNanos(gaps);
            int prompt = Math.max(1, prompts.sample(lengths));
            int output = Math.max(1, outputs.sample(lengths));
            out.add(new WorkloadRequest(t, prompt, output));
        }
        return out;
    }
}
