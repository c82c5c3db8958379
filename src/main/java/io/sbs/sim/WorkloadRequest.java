package io.sbs.sim;

/**
 * One request of a workload, before it reaches the dispatcher.
 *
 * @param arrivalNanos virtual time of arrival, from 0
 * @param promptTokens prompt length (at least 1)
 * @param outputTokens output length (at least 1)
 * @param blockHashes  ids of consecutive prompt blocks for prefix caching; empty when unknown
 */
public record WorkloadRequest(long arrivalNanos, int promptTokens, int outputTokens, long[] blockHashes) {

    public WorkloadRequest {
        if (arrivalNanos < 0) {
            throw new IllegalArgumentException("arrivalNanos must be >= 0");
        }
        if (promptTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("prompt and output need at least one token");
        }
        blockHashes = blockHashes == null ? new long[0] : blockHashes;
    }

    public WorkloadRequest(long arrivalNanos, int promptTokens, int outputTokens) {
        this(arrivalNanos, promptTokens, outputTokens, new long[0]);
    }
}
