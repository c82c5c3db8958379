package io.sbs.core;

/**
 * One DP unit's load as an engine reports it when polled (SGLang {@code /get_load}, vLLM {@code /metrics}).
 *
 * @param runningRequests requests in the running pass (a chunked prompt between its chunks included)
 * @param waitingRequests requests queued, not yet in any pass
 * @param queuedTokens    prompt tokens queued beyond the running pass; -1 when the engine does not say
 */
public record UnitLoad(int runningRequests, int waitingRequests, long queuedTokens) {

    public UnitLoad {
        if (runningRequests < 0 || waitingRequests < 0) {
            throw new IllegalArgumentException("request counts must be >= 0");
        }
    }

    /** Nothing running and nothing waiting. */
    public boolean idle() {
        return runningRequests == 0 && waitingRequests == 0;
    }

    /** A report of {@code units} idle units. */
    public static UnitLoad[] idle(int units) {
        UnitLoad[] out = new UnitLoad[units];
        java.util.Arrays.fill(out, new UnitLoad(0, 0, 0));
        return out;
    }
}
