package io.sbs.web;

import io.sbs.config.SbsProperties;
import io.sbs.core.OutputLengthEstimator;
import io.sbs.core.OutputLengthKnowledge;
import org.jspecify.annotations.Nullable;

/**
 * The output length each request counts for on its decode unit ({@code sbs.decode.output-length}), shared by
 * the ingress threads: the core's {@link OutputLengthEstimator} is single-threaded, so every use takes this
 * object's lock (two short sections per request, no I/O inside).
 */
final class OutputLengths {

    private final OutputLengthEstimator estimator;
    private final int defaultMaxTokens;
    private final boolean learns;

    OutputLengths(SbsProperties.Decode settings) {
        this.estimator = new OutputLengthEstimator(settings.knowledge());
        this.defaultMaxTokens = settings.defaultMaxTokens();
        this.learns = settings.knowledge() == OutputLengthKnowledge.PREDICTED;
    }

    /** Whether finished requests' output lengths are used: only the predictor learns from them. */
    boolean learns() {
        return learns;
    }

    /** Output tokens asked for: the request's {@code max_tokens}, or the default when it sets none. */
    int requested(@Nullable Integer maxTokens) {
        return maxTokens == null ? defaultMaxTokens : maxTokens;
    }

    /** Output tokens to count for the decode placement. */
    synchronized int expected(String model, int promptTokens, @Nullable Integer maxTokens) {
        return estimator.expected(model, promptTokens, requested(maxTokens), maxTokens != null);
    }

    /** A request of {@code model} finished with {@code outputTokens} (the engine's usage). */
    synchronized void finished(String model, int promptTokens, int outputTokens) {
        estimator.finished(model, promptTokens, outputTokens);
    }
}
