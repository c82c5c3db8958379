package io.sbs.sim.workload;

import io.sbs.sim.WorkloadRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays a workload faster or slower: every inter-arrival gap (the first one counted from time 0) is
 * divided by {@code factor}, so 2 doubles the rate. Order, lengths and block hashes are kept; times are
 * accumulated in double and rounded once per request, so rounding does not drift.
 */
public final class TimeScale {

    private TimeScale() {
    }

    public static List<WorkloadRequest> scale(List<WorkloadRequest> in, double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("time scale must be finite and > 0, got " + factor);
        }
        List<WorkloadRequest> out = new ArrayList<>(in.size());
        for (WorkloadRequest r : in) {
            out.add(new WorkloadRequest(Math.round(r.arrivalNanos() / factor), r.promptTokens(), r.outputTokens(),
                    r.blockHashes()));
        }
        return out;
    }
}
