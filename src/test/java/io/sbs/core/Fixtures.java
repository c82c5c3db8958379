package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/** Small builders for core tests. */
final class Fixtures {

    static final long MS = 1_000_000L;

    private Fixtures() {
    }

    static InferenceRequest request(long id, int prompt) {
        return new InferenceRequest(id, prompt, 100, id);
    }

    static InferenceRequest request(long id, int prompt, int output) {
        return new InferenceRequest(id, prompt, output, id);
    }

    static List<DpUnitState> prefillUnits(int n, int chunk) {
        List<DpUnitState> units = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            units.add(new DpUnitState(new DpUnitId("p", i), Phase.PREFILL, chunk, Long.MAX_VALUE, 64));
        }
        return units;
    }

    static List<DpUnitState> decodeUnits(long kvCapacity, long... kv) {
        List<DpUnitState> units = new ArrayList<>();
        for (int i = 0; i < kv.length; i++) {
            DpUnitState u = new DpUnitState(new DpUnitId("d", i), Phase.DECODE, 1, kvCapacity, 0);
            u.reportDecode(0, kv[i], 0, 0);
            units.add(u);
        }
        return units;
    }

    /** A cluster of {@code instances} prefill instances of {@code dp} units with chunk {@code chunk}. */
    static ClusterState prefillCluster(SchedulingPolicy policy, int instances, int dp, int chunk) {
        ClusterState c = new ClusterState(policy);
        for (int i = 0; i < instances; i++) {
            c.addInstance("p" + i, Phase.PREFILL, dp, chunk, Long.MAX_VALUE, 64);
        }
        return c;
    }

    static ForwardEndedEvent ended(String id, long endedAt, long duration, long[] pass, long[] received,
            long[] next, long[] backlog) {
        return new ForwardEndedEvent(id, endedAt, duration, pass, received, next, backlog);
    }
}
