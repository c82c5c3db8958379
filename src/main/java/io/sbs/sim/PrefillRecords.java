package io.sbs.sim;

import io.sbs.core.ClusterState;
import io.sbs.core.ReadinessSource;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link PrefillSimulation} records of each request (arrival, dispatch, arrival at its DP unit, first
 * pass, first token, or its loss to a dead instance) and of each measured pass, and the {@link PrefillResult}
 * measured from those records when the run stops. Requests are indexed by their place in the workload; a time
 * of -1 is an event that has not happened.
 */
final class PrefillRecords {

    private final List<WorkloadRequest> workload;
    private final long warmupNanos;
    private final long[] arrivalAt;
    private final long[] dispatchedAt;
    private final long[] reachedAt;
    private final long[] firstPassAt;
    private final long[] firstTokenAt;
    private final boolean[] lost;
    private final int[] unitRank;
    private final int[] cachedTokens;
    private final Stats.Sample chunkUtil = new Stats.Sample();
    private final Stats.Sample passMillis = new Stats.Sample();
    /** Requests with their first token or lost: the run ends when every one is. */
    private int done;

    PrefillRecords(List<WorkloadRequest> workload, long warmupNanos) {
        this.workload = workload;
        this.warmupNanos = warmupNanos;
        int n = workload.size();
        arrivalAt = new long[n];
        dispatchedAt = new long[n];
        reachedAt = new long[n];
        firstPassAt = new long[n];
        firstTokenAt = new long[n];
        lost = new boolean[n];
        unitRank = new int[n];
        cachedTokens = new int[n];
        Arrays.fill(firstTokenAt, -1);
        Arrays.fill(firstPassAt, -1);
        Arrays.fill(reachedAt, -1);
    }

    void arrived(int request, long at) {
        arrivalAt[request] = at;
    }

    void dispatched(int request, long at, int rank) {
        dispatchedAt[request] = at;
        unitRank[request] = rank;
    }

    int unitRank(int request) {
        return unitRank[request];
    }

    /** The request reached its unit's queue, {@code cached} of its prompt's tokens already in the unit's cache. */
    void reached(int request, long at, int cached) {
        reachedAt[request] = at;
        cachedTokens[request] = cached;
    }

    /** A pass started with a chunk of the request; the first such pass ends its wait in the device queue. */
    void passStarted(int request, long at) {
        if (firstPassAt[request] < 0) {
            firstPassAt[request] = at;
        }
    }

    /** A pass ended: counted when it ends after the warm-up. */
    void passEnded(long at, double chunkUtilization, double millis) {
        if (at >= warmupNanos) {
            chunkUtil.add(chunkUtilization);
            passMillis.add(millis);
        }
    }

    /** The request's first token is back at the dispatcher {@code at}. */
    void firstToken(int request, long at) {
        firstTokenAt[request] = at;
        done++;
    }

    void lost(int request) {
        lost[request] = true;
        done++;
    }

    /** Whether the request has its first token or is lost. */
    boolean finished(int request) {
        return firstTokenAt[request] >= 0 || lost[request];
    }

    /** How many requests have their first token or are lost. */
    int done() {
        return done;
    }

    /**
     * The result of the run that stopped at {@code end}: requests arriving in the warm-up are not measured;
     * those without a first token count as late as the planned stop ({@code stopAt}), or, when the run gave
     * up {@code saturated}, as the actual stop, and those that had not arrived by then not at all.
     */
    PrefillResult measure(String policy, boolean saturated, long end, long stopAt, ClusterState cluster,
            Collection<String> instanceIds, SimulatedDispatcher dispatcher, long events, Stats tpotMs,
            Stats decodeQueueMs) {
        Stats.Sample ttft = new Stats.Sample();
        Stats.Sample schedQueue = new Stats.Sample();
        Stats.Sample deviceQueue = new Stats.Sample();
        int completed = 0;
        int unfinished = 0;
        int lostCount = 0;
        long completedTokens = 0;
        long lastFirstToken = 0;
        long receivedTokens = 0;
        long cachedTotal = 0;
        for (int i = 0; i < arrivalAt.length; i++) {
            WorkloadRequest wr = workload.get(i);
            if (wr.arrivalNanos() < warmupNanos || (saturated && wr.arrivalNanos() > end)) {
                continue;
            }
            if (reachedAt[i] >= 0) {
                receivedTokens += wr.promptTokens();
                cachedTotal += cachedTokens[i];
            }
            if (lost[i]) {
                lostCount++;
                continue;
            }
            if (firstTokenAt[i] < 0) {
                unfinished++;
                ttft.add(((saturated ? end : Math.max(end, stopAt)) - wr.arrivalNanos()) / 1e9);
                continue;
            }
            completed++;
            completedTokens += wr.promptTokens();
            lastFirstToken = Math.max(lastFirstToken, firstTokenAt[i]);
            ttft.add((firstTokenAt[i] - arrivalAt[i]) / 1e9);
            schedQueue.add((dispatchedAt[i] - arrivalAt[i]) / 1e9);
            deviceQueue.add((firstPassAt[i] - reachedAt[i]) / 1e9);
        }
        long watchdogFires = 0;
        Map<ReadinessSource, Long> readiness = new EnumMap<>(ReadinessSource.class);
        for (String id : instanceIds) {
            watchdogFires += cluster.instance(id).watchdogFires();
            for (ReadinessSource source : ReadinessSource.values()) {
                readiness.merge(source, cluster.instance(id).readinessDecisions(source), Long::sum);
            }
        }
        return new PrefillResult(policy, saturated, completed, unfinished, lostCount, ttft.stats(),
                schedQueue.stats(), deviceQueue.stats(), chunkUtil.mean(), passMillis.stats(), watchdogFires,
                dispatcher.overloadedTicks(), dispatcher.maxBuffered(), events, completedTokens,
                lastFirstToken, readiness, tpotMs, decodeQueueMs, receivedTokens, cachedTotal);
    }
}
