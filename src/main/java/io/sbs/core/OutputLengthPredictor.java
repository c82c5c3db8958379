package io.sbs.core;

import java.util.HashMap;
import java.util.Map;

/**
 * Predicts a request's output length from the requests that finished before it, per model and prompt-length
 * bucket, so the decode allocator can weigh a request's KV footprint without the oracle the simulator has.
 *
 * <p>Implementation notes. Model: an exponentially weighted mean of output tokens (weight {@code 1/64} per
 * observation, about the last hundred requests) per model and per power-of-two prompt-length bucket
 * ({@code [2^i, 2^(i+1))}); the mean, not a quantile, because the decode mask and its KV account sum
 * footprints over a unit's requests, and a sum is estimated by means. Where the bucket has seen fewer than
 * {@link #MIN_SAMPLES} requests the model's mean over all buckets answers, and before that the caller's
 * fallback ({@code max_tokens} or the configured default). A prediction never exceeds the request's
 * {@code max_tokens} when the client set one: the engine stops there. Failure handling: model names come
 * from clients, so at most {@link #MAX_MODELS} are tracked and any further name shares one entry.
 * Units: tokens. Not thread-safe: confined to the dispatch loop's thread, as the rest of the core.
 * Complexity: O(1) per observation and prediction.
 */
public final class OutputLengthPredictor {

    /** Observations a bucket (or a model) needs before its mean is trusted over the fallback. */
    public static final int MIN_SAMPLES = 32;
    /** Distinct model names tracked; names beyond share one entry. */
    public static final int MAX_MODELS = 64;

    private static final double WEIGHT = 1.0 / 64;
    private static final int BUCKETS = 32;
    private static final String OTHER_MODELS = "\u0000other";

    private final Map<String, Means> byModel = new HashMap<>();

    /** Running means of one model: index {@code BUCKETS} holds the model-wide mean. */
    private static final class Means {
        final double[] mean = new double[BUCKETS + 1];
        final long[] samples = new long[BUCKETS + 1];

        void add(int slot, int outputTokens) {
            samples[slot]++;
            // the plain mean until the window fills, so the first samples are not pulled towards zero
            double w = Math.max(WEIGHT, 1.0 / samples[slot]);
            mean[slot] += w * (outputTokens - mean[slot]);
        }
    }

    /** The prompt-length bucket: {@code floor(log2(promptTokens))}. */
    static int bucket(int promptTokens) {
        return Math.min(BUCKETS - 1, 31 - Integer.numberOfLeadingZeros(Math.max(1, promptTokens)));
    }

    /** A finished request of {@code model} produced {@code outputTokens} after a prompt of {@code promptTokens}. */
    public void observe(String model, int promptTokens, int outputTokens) {
        if (outputTokens < 0) {
            return;
        }
        Means m = byModel.get(model);
        if (m == null) {
            m = byModel.computeIfAbsent(byModel.size() < MAX_MODELS ? model : OTHER_MODELS, k -> new Means());
        }
        m.add(bucket(promptTokens), outputTokens);
        m.add(BUCKETS, outputTokens);
    }

    /**
     * @param fallback  what to take before enough requests finished (the request's {@code max_tokens} or the
     *                  default)
     * @param maxTokens the client's {@code max_tokens}, or {@link Integer#MAX_VALUE} when it set none
     * @return predicted output tokens, at least 1 and at most {@code maxTokens}
     */
    public int predict(String model, int promptTokens, int fallback, int maxTokens) {
        Means m = byModel.get(model);
        if (m == null && byModel.size() >= MAX_MODELS) {
            m = byModel.get(OTHER_MODELS);
        }
        double p = fallback;
        if (m != null) {
            int b = bucket(promptTokens);
            if (m.samples[b] >= MIN_SAMPLES) {
                p = m.mean[b];
            } else if (m.samples[BUCKETS] >= MIN_SAMPLES) {
                p = m.mean[BUCKETS];
            }
        }
        return (int) Math.max(1, Math.min(maxTokens, Math.round(p)));
    }

    /** Requests observed for {@code model}. */
    public long observed(String model) {
        Means m = byModel.get(model);
        return m == null ? 0 : m.samples[BUCKETS];
    }
}
