package io.sbs.core;

import java.util.Arrays;

/**
 * What the core knows of one inference request.
 *
 * @param id            caller-assigned id, unique among live requests
 * @param promptTokens  prompt length in tokens (at least 1)
 * @param outputTokens  expected output length in tokens (the request's {@code max_tokens} in the live
 *                      service, the true length in the simulator); decode sorts on prompt + output
 * @param arrivalNanos  when the dispatcher accepted it, on the caller's clock
 * @param blockHashes   ids of consecutive fixed-size prompt blocks (prefix caching); empty when unknown.
 *                      Owned by the record: callers must not mutate the array after construction.
 */
public record InferenceRequest(long id, int promptTokens, int outputTokens, long arrivalNanos, long[] blockHashes) {

    /**
     * Output tokens counted for a request that sets no {@code max_tokens}, unless configured otherwise
     * ({@code sbs.decode.default-max-tokens}); the simulated clients set none, so they count this too.
     */
    public static final int DEFAULT_OUTPUT_TOKENS = 256;

    private static final long[] NO_BLOCKS = new long[0];

    public InferenceRequest {
        if (promptTokens < 1) {
            throw new IllegalArgumentException("promptTokens must be >= 1, was " + promptTokens);
        }
        if (outputTokens < 0) {
            throw new IllegalArgumentException("outputTokens must be >= 0, was " + outputTokens);
        }
        blockHashes = blockHashes == null ? NO_BLOCKS : blockHashes;
    }

    public InferenceRequest(long id, int promptTokens, int outputTokens, long arrivalNanos) {
        this(id, promptTokens, outputTokens, arrivalNanos, NO_BLOCKS);
    }

    /**
     * Prompt plus expected output: the KV footprint the request grows to on its decode unit. In
     * {@code long}: both may be near {@link Integer#MAX_VALUE}, and an overflowed sum would count a negative
     * footprint against the unit.
     */
    public long totalTokens() {
        return (long) promptTokens + outputTokens;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferenceRequest r && r.id == id && r.promptTokens == promptTokens
                && r.outputTokens == outputTokens && r.arrivalNanos == arrivalNanos
                && Arrays.equals(r.blockHashes, blockHashes);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id);
    }

    @Override
    public String toString() {
        return "InferenceRequest[id=" + id + ", prompt=" + promptTokens + ", output=" + outputTokens
                + ", arrival=" + arrivalNanos + ", blocks=" + blockHashes.length + "]";
    }
}
