package io.sbs.sim.workload;

import io.sbs.sim.WorkloadRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Turns an arrival process and length distributions into a request list; the same seed, the same list. */
public final class WorkloadGenerator {

    private WorkloadGenerator() {
    }

    public static List<WorkloadRequest> generate(ArrivalProcess arrivals, LengthDistribution prompts,
            LengthDistribution outputs, int count, long seed) {
        SplittableRandom gaps = new SplittableRandom(seed);
        SplittableRandom lengths = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        List<WorkloadRequest> out = new ArrayList<>(count);
        long t = 0;
        for (int i = 0; i < count; i++) {
            t += arrivals.nextGapNanos(gaps);
            out.add(new WorkloadRequest(t, prompts.sample(lengths), Math.max(1, outputs.sample(lengths))));
        }
        return out;
    }
}
