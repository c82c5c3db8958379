package io.sbs.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The scheduler's state vector for one DP unit: the paper's capacity model (section 4.2.1) for prefill
 * units and the {@code (b, k)} vector (section 4.3.3) for decode units.
 *
 * <p>Units are tokens and requests. Not thread-safe: confined to the thread that owns the core.
 *
 * <p>Capacity model: {@code C_avail = C_max - T_inflight - Q_device}, the room left in the unit's next
 * forward pass: {@code T_inflight} counts tokens beyond the running pass still on their way to the engine,
 * {@code Q_device} those beyond it already queued on the device. Both come from the instance's
 * {@link PassTracker}, which keeps them from the dispatcher's own decisions, corrected by the engine's
 * signals. A prompt longer than {@code C_max} spans passes and leaves its rest as backlog. Tokens sent
 * to an idle instance start a pass of their own on arrival, so only their part beyond {@code C_max}
 * counts against the next pass.
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

    /** {@code T_inflight}: tokens beyond the running pass still on their way to the engine. */
    public long inflightTokens() {
        return inflightTokens;
    }

    /** Tokens sent to this unit's idle instance that start a pass of their own on arrival, not yet arrived. */
    public long startingPassTokens() {
        return startingPassTokens;
    }

    /** {@code Q_device}: tokens queued on the device beyond the running pass (reported or estimated). */
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

    /** Records a prefill dispatch for the router-side account (the tokens' place in the passes is the tracker's). */
    void dispatchPrefill(int promptTokens) {
        outstandingTokens += promptTokens;
        outstandingRequests++;
    }

    /**
     * The instance's {@link PassTracker} publishes where this unit's tokens stand: {@code startingPass}
     * sent to an idle instance and starting a pass of their own, {@code inflight} beyond the running pass
     * and still on their way, {@code backlog} beyond the running pass and on the device. Public for the
     * allocator benchmarks and tests, which build units without an instance; the tracker overwrites it.
     */
    public void track(long startingPass, long inflight, long backlog) {
        startingPassTokens = startingPass;
        inflightTokens = inflight;
        deviceBacklogTokens = backlog;
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

    /** Watchdog reset of a decode unit: forget the requests sent and not yet reported. */
    void resetVolatile() {
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

    /**
     * The prompt tokens this unit would compute for {@code r}: its length less the leading blocks of
     * {@code blockTokens} tokens each that this unit holds, at least one token (the engine computes the
     * last token's logits even on a full hit), as the engines skip a cached prefix.
     */
    public int uncachedTokens(InferenceRequest r, int blockTokens) {
        if (r.blockHashes().length == 0 || cacheBlockLimit == 0) {
            return r.promptTokens();
        }
        long hit = (long) cachedPrefixBlocks(r.blockHashes()) * blockTokens;
        return (int) Math.max(1, r.promptTokens() - Math.min(hit, r.promptTokens() - 1L));
    }

    @Override
    public String toString() {
        return phase == Phase.PREFILL
                ? id + "[C_avail=" + availableCapacity() + ", inflight=" + inflightTokens + ", backlog="
                        + deviceBacklogTokens + "]"
                : id + "[b=" + batchSize() + ", k=" + kvTokens() + "]";
    }
}
