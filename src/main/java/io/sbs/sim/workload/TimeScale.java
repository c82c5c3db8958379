package io.sbs.sim.workload;

import io.sbs.sim.WorkloadRequest;
import java.util.ArrayList;
import java.util.List;

/** Replays a workload faster or slower: every inter-arrival gap divided by {@code factor}. */
public final class TimeScale {

    private TimeScale() {
    }

    public static List<WorkloadRequest> scale(List<WorkloadRequest> in, double factor) {
        if (!(factor > 0)) {
            throw new IllegalArgumentException("time scale must be > 0");
        }
        List<WorkloadRequest> out = new ArrayList<>(in.size());
        long prevIn = 0;
        double t = 0;
        for (WorkloadRequest r : in) {
            t += (r.arrivalNanos() - prevIn) / factor;
            prevIn = r.arrivalNanos();
            out.add(new WorkloadRequest(Math.round(t), r.promptTokens(), r.outputTokens(), r.blockHashes()));
        }
        return out;
    }
}
