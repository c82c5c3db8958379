package io.sbs.engine;

/**
 * One DP rank's load as an engine reports it.
 *
 * @param runningRequests requests in the running batch
 * @param waitingRequests requests queued, not yet in a forward pass
 * @param tokens          tokens the rank holds (SGLang {@code num_tokens}); -1 when the engine does not say
 * @param kvUsage         fraction of the KV cache in use, 0..1; -1 when the engine does not say
 * @param pendingTokens   prompt tokens waiting for a pass (SGLang {@code num_pending_tokens}); -1 when the
 *                        engine does not say
 */
public record RankLoad(int dpRank, int runningRequests, int waitingRequests, long tokens, double kvUsage,
        long pendingTokens) {

    public RankLoad {
        if (dpRank < 0 || runningRequests < 0 || waitingRequests < 0) {
            throw new IllegalArgumentException("rank and request counts must be >= 0");
        }
    }

    public RankLoad(int dpRank, int runningRequests, int waitingRequests, long tokens, double kvUsage) {
        this(dpRank, runningRequests, waitingRequests, tokens, kvUsage, -1);
    }

    /** Nothing running and nothing waiting. */
    public boolean idle() {
        return runningRequests == 0 && waitingRequests == 0;
    }
}
