package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/** Small builders for core tests. Times are nanoseconds; {@link #MS} is one millisecond. */
final class Fixtures {

    static final long MS = 1_000_000L;

    private Fixtures() {
    }

    /** A request of {@code prompt} tokens (100 output tokens) that arrived at {@code id} ns. */
    static InferenceRequest request(long id, int prompt) {
        return new InferenceRequest(id, prompt, 100, id);
    }

    static InferenceRequest request(long id, int prompt, int output) {
        return new InferenceRequest(id, prompt, output, id);
    }

    static InferenceRequest withBlocks(long id, int prompt, long... blocks) {
        return new InferenceRequest(id, prompt, 10, id, blocks);
    }

    /** {@code n} idle prefill units {@code p/0 .. p/n-1} of chunk {@code chunk}, 64 cache blocks each. */
    static List<DpUnitState> prefillUnits(int n, int chunk) {
        List<DpUnitState> units = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            units.add(new DpUnitState(new DpUnitId("p", i), Phase.PREFILL, chunk, Long.MAX_VALUE, 64));
        }
        return units;
    }

    /** One idle prefill unit per chunk size, {@code p/0 ..}: clusters with mixed {@code C_max}. */
    static List<DpUnitState> prefillUnitsWithChunks(int... chunks) {
        List<DpUnitState> units = new ArrayList<>();
        for (int i = 0; i < chunks.length; i++) {
            units.add(new DpUnitState(new DpUnitId("p", i), Phase.PREFILL, chunks[i], Long.MAX_VALUE, 64));
        }
        return units;
    }

    /** Decode units {@code d/0 ..} of one KV capacity, with the given KV loads and empty batches. */
    static List<DpUnitState> decodeUnits(long kvCapacity, long... kv) {
        List<DpUnitState> units = new ArrayList<>();
        for (int i = 0; i < kv.length; i++) {
            DpUnitState u = new DpUnitState(new DpUnitId("d", i), Phase.DECODE, 1, kvCapacity, 0);
            u.reportDecode(0, kv[i], 0, 0);
            units.add(u);
        }
        return units;
    }

    /** Decode units {@code d/0 ..} from {@code {batch, kv, capacity}} rows. */
    static List<DpUnitState> decodeUnits(long[][] rows) {
        List<DpUnitState> units = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            DpUnitState u = new DpUnitState(new DpUnitId("d", i), Phase.DECODE, 1, rows[i][2], 0);
            u.reportDecode((int) rows[i][0], rows[i][1], 0, 0);
            units.add(u);
        }
        return units;
    }

    /** A cluster of {@code instances} prefill instances {@code p0 ..} of {@code dp} units with chunk {@code chunk}. */
    static ClusterState prefillCluster(SchedulingPolicy policy, int instances, int dp, int chunk) {
        ClusterState c = new ClusterState(policy);
        for (int i = 0; i < instances; i++) {
            c.addInstance("p" + i, Phase.PREFILL, dp, chunk, Long.MAX_VALUE, 64);
        }
        return c;
    }

    static ClusterState prefillCluster(int instances, int dp, int chunk) {
        return prefillCluster(SchedulingPolicy.defaults(PolicyRegistry.SBS), instances, dp, chunk);
    }

    static ForwardEndedEvent ended(String id, long endedAt, long duration, long[] pass, long[] received,
            long[] next, long[] backlog) {
        return new ForwardEndedEvent(id, endedAt, duration, pass, received, next, backlog);
    }

    /** EndForward of a {@code dp}-unit instance that went idle: nothing received, nothing next, no backlog. */
    static ForwardEndedEvent endedIdle(String id, int dp, long endedAt, long duration) {
        return new ForwardEndedEvent(id, endedAt, duration, new long[dp], new long[dp], new long[dp], new long[dp]);
    }

    /**
     * A unit's view after {@code tokens} more were sent for its next pass and not yet seen by the engine
     * (what the instance's pass estimate publishes), with the router-side account.
     */
    static void sent(DpUnitState u, int tokens) {
        u.dispatchPrefill(tokens);
        u.track(u.startingPassTokens(), u.inflightTokens() + tokens, u.deviceBacklogTokens());
    }

    /** A unit's view with {@code tokens} queued on the device beyond the running pass. */
    static void backlog(DpUnitState u, long tokens) {
        u.track(u.startingPassTokens(), u.inflightTokens(), Math.max(0, tokens));
    }

    static List<Long> ids(List<Assignment> assignments) {
        return assignments.stream().map(a -> a.request().id()).toList();
    }
}
