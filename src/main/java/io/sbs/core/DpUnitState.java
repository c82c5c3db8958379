package io.sbs.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The scheduler's state vector for one DP unit: the paper's capacity model (section 4.2.1) for prefill
 * units and the {@code (b, k)} vector (section 4.3.3) for decode units.
 *
 * <p>Units are tokens and requests. Not thread-safe: confined to the thread that owns the core.
 *
 * <p>Capacity model: {@code C_avail = C_max - T_inflight - Q_device}, where {@code T_inflight} counts
 * tokens dispatched for the next forward pass and not yet acknowledged by the engine, and
 * {@code Q_device} is the engine's last reported backlog (tokens queued on the device beyond the pass
 * that is running). A prompt longer than {@code C_max} costs {@code C_max} in the pass it joins and leaves
 * the rest as backlog for later passes. Tokens sent to an idle instance start a pass of their own on
 * arrival, so only their part beyond {@code C_max} counts against the next pass.
 */
public final class DpUnitState {

    private final DpUnitId id;
    private final Phase phase;
    private final int chunkCapacity;
    private final long kvCapacity;
    private final int cacheBlockLimit;

    // prefill
    private long inflightTokens;
    private long startingPassTokens;
    private long deviceBacklogTokens;

    // router-style accounting used by the immediate baselines: dispatched and not yet completed
    private long outstandingTokens;
    private int outstandingRequests;

    // decode
    private int batchSize;
    private long kvTokens;
    private int inflightRequests;
    private long inflightKvTokens;

    // prefix blocks this unit holds in its KV cache, in LRU order
    private final LinkedHashMap<Long, Boolean> cachedBlocks;

    /**
     * @param chunkCapacity   {@code C_max}: most new prompt tokens per forward pass (prefill); unused for decode
     * @param kvCapacity      KV-cache capacity in tokens (decode); {@link Long#MAX_VALUE} when unknown
     * @param cacheBlockLimit how many prefix blocks the unit remembers for cache-aware placement (0: none)
     */
    public DpUnitState(DpUnitId id, Phase phase, int chunkCapacity, long kvCapacity, int cacheBlockLimit) {
        if (chunkCapacity < 1) {
            throw new IllegalArgumentException("chunkCapacity must be >= 1");
        }
        if (kvCapacity < 1) {
            throw new IllegalArgumentException("kvCapacity must be >= 1");
        }
        this.id = id;
        this.phase = phase;
        this.chunkCapacity = chunkCapacity;
        this.kvCapacity = kvCapacity;
        this.cacheBlockLimit = Math.max(0, cacheBlockLimit);
        this.cachedBlocks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > DpUnitState.this.cacheBlockLimit;
            }
        };
    }

    public DpUnitId id() {
        return id;
    }

    public Phase phase() {
        return phase;
    }

    /** {@code C_max}. */
    public int chunkCapacity() {
        return chunkCapacity;
    }

    /** {@code T_inflight}: tokens dispatched for the next pass, not yet acknowledged. */
    public long inflightTokens() {
        return inflightTokens;
    }

    /** Tokens sent to this unit's idle instance that start a pass of their own on arrival, not yet acknowledged. */
    public long startingPassTokens() {
        return startingPassTokens;
    }

    /** {@code Q_device}: the engine's reported backlog beyond the running pass. */
    public long deviceBacklogTokens() {
        return deviceBacklogTokens;
    }

    /** {@code C_avail = C_max - T_inflight - Q_device}; may be negative when a long prompt spans passes. */
    public long availableCapacity() {
        return chunkCapacity - inflightTokens - deviceBacklogTokens;
    }

    /** Tokens a prompt of {@code promptTokens} takes from the pass it joins. */
    public int passCost(int promptTokens) {
        return Math.min(promptTokens, chunkCapacity);
    }

    public long outstandingTokens() {
        return outstandingTokens;
    }

    public int outstandingRequests() {
        return outstandingRequests;
    }

    /** {@code b}: requests running on the decode unit, including those sent and not yet reported. */
    public int batchSize() {
        return batchSize + inflightRequests;
    }

    /** {@code k}: KV-cache tokens held on the decode unit, including those sent and not yet reported. */
    public long kvTokens() {
        return kvTokens + inflightKvTokens;
    }

    public long kvCapacity() {
        return kvCapacity;
    }

    /** Whether a request growing to {@code tokens} of KV still fits this decode unit's memory. */
    public boolean hasKvRoomFor(long tokens) {
        return tokens <= kvCapacity - kvTokens();
    }

    /** Records a prefill dispatch; {@code intoIdleInstance} when the tokens will start a pass on arrival. */
    public void dispatchPrefill(int promptTokens, boolean intoIdleInstance) {
        int cost = passCost(promptTokens);
        long beyond = (long) promptTokens - cost;
        if (intoIdleInstance) {
            startingPassTokens += cost;
            inflightTokens += beyond;
        } else {
            inflightTokens += promptTokens;
        }
        outstandingTokens += promptTokens;
        outstandingRequests++;
    }

    /**
     * A prefill dispatch was decided but never sent (the client went away first): its tokens no longer
     * count against the unit. {@code intoIdleInstance} must be what {@link #dispatchPrefill} was given.
     */
    public void withdrawPrefill(int promptTokens, boolean intoIdleInstance) {
        int cost = passCost(promptTokens);
        if (intoIdleInstance) {
            startingPassTokens = Math.max(0, startingPassTokens - cost);
            inflightTokens = Math.max(0, inflightTokens - ((long) promptTokens - cost));
        } else {
            inflightTokens = Math.max(0, inflightTokens - promptTokens);
        }
        completePrefill(promptTokens);
    }

    /** The engine acknowledged {@code tokens} of dispatched prompt tokens (they reached its queue). */
    public void acknowledge(long tokens) {
        long fromStarting = Math.min(tokens, startingPassTokens);
        startingPassTokens -= fromStarting;
        inflightTokens = Math.max(0, inflightTokens - (tokens - fromStarting));
    }

    /** Unacknowledged tokens turned out to start a pass of their own (they reached an idle engine). */
    void inflightStartedPass() {
        long moved = Math.min(inflightTokens, Math.max(0, chunkCapacity - startingPassTokens));
        startingPassTokens += moved;
        inflightTokens -= moved;
    }

    /** The engine's report of tokens queued beyond the running pass. */
    public void reportBacklog(long tokens) {
        deviceBacklogTokens = Math.max(0, tokens);
    }

    /** A prefill request of {@code promptTokens} produced its first token (router-side accounting). */
    public void completePrefill(int promptTokens) {
        outstandingTokens = Math.max(0, outstandingTokens - promptTokens);
        outstandingRequests = Math.max(0, outstandingRequests - 1);
    }

    /** Records a decode dispatch growing to {@code kvTokens} of KV. */
    public void dispatchDecode(long kvTokensOfRequest) {
        inflightRequests++;
        inflightKvTokens += kvTokensOfRequest;
        outstandingRequests++;
    }

    /**
     * The decode engine's report after a step: its running batch and KV load, which include
     * {@code receivedRequests} requests of {@code receivedKvTokens} sent by us since the last report.
     */
    public void reportDecode(int reportedBatch, long reportedKv, int receivedRequests, long receivedKvTokens) {
        batchSize = Math.max(0, reportedBatch);
        kvTokens = Math.max(0, reportedKv);
        inflightRequests = Math.max(0, inflightRequests - receivedRequests);
        inflightKvTokens = Math.max(0, inflightKvTokens - receivedKvTokens);
    }

    /** A decode decision was withdrawn before it was sent: it leaves the in-flight account. */
    public void releaseDecode(long kvTokensOfRequest) {
        inflightRequests = Math.max(0, inflightRequests - 1);
        inflightKvTokens = Math.max(0, inflightKvTokens - kvTokensOfRequest);
        outstandingRequests = Math.max(0, outstandingRequests - 1);
    }

    /** A decode request finished (router-side accounting for the immediate baselines). */
    public void completeDecode() {
        outstandingRequests = Math.max(0, outstandingRequests - 1);
    }

    /** Watchdog reset: forget unacknowledged dispatches and the last backlog report. */
    public void resetVolatile() {
        inflightTokens = 0;
        startingPassTokens = 0;
        deviceBacklogTokens = 0;
        inflightRequests = 0;
        inflightKvTokens = 0;
    }

    /** Remembers the prompt's blocks as cached on this unit (LRU, bounded). */
    public void rememberBlocks(long[] blockHashes) {
        if (cacheBlockLimit == 0) {
            return;
        }
        for (long h : blockHashes) {
            cachedBlocks.put(h, Boolean.TRUE);
        }
    }

    /** How many leading blocks of {@code blockHashes} this unit holds (the reusable prefix, in blocks). */
    public int cachedPrefixBlocks(long[] blockHashes) {
        int n = 0;
        for (long h : blockHashes) {
            if (!cachedBlocks.containsKey(h)) {
                break;
            }
            n++;
        }
        return n;
    }

    @Override
    public String toString() {
        return phase == Phase.PREFILL
                ? id + "[C_avail=" + availableCapacity() + ", inflight=" + inflightTokens + ", backlog="
                        + deviceBacklogTokens + "]"
                : id + "[b=" + batchSize() + ", k=" + kvTokens() + "]";
    }
}
