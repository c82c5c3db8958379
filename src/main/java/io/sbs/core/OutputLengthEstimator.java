package io.sbs.core;

/**
 * The output length the decode dispatcher counts for a request, by the configured
 * {@link OutputLengthKnowledge}: the request's {@code max_tokens} (or the default), or the
 * {@link OutputLengthPredictor}'s estimate, which it teaches with every finished request whatever the mode,
 * so that switching to the predictor does not start cold. {@link OutputLengthKnowledge#ORACLE} is refused:
 * no dispatcher knows it. Not thread-safe: confined to the dispatch loop's thread.
 */
public final class OutputLengthEstimator {

    private final OutputLengthKnowledge knowledge;
    private final OutputLengthPredictor predictor = new OutputLengthPredictor();

    public OutputLengthEstimator(OutputLengthKnowledge knowledge) {
        if (knowledge == OutputLengthKnowledge.ORACLE) {
            throw new IllegalArgumentException("a dispatcher cannot know the true output length; use max-tokens or predicted");
        }
        this.knowledge = knowledge;
    }

    public OutputLengthKnowledge knowledge() {
        return knowledge;
    }

    /**
     * @param requested    the request's {@code max_tokens}, or the configured default when it set none
     * @param maxTokensSet whether the client set {@code max_tokens} (then no prediction exceeds it)
     * @return output tokens to count for the request's KV footprint
     */
    public int expected(String model, int promptTokens, int requested, boolean maxTokensSet) {
        if (knowledge == OutputLengthKnowledge.MAX_TOKENS) {
            return requested;
        }
        return predictor.predict(model, promptTokens, requested, maxTokensSet ? requested : Integer.MAX_VALUE);
    }

    /** A request of {@code model} finished with {@code outputTokens} (the engine's usage). */
    public void finished(String model, int promptTokens, int outputTokens) {
        predictor.observe(model, promptTokens, outputTokens);
    }

    /** Finished requests seen for {@code model}. */
    public long observed(String model) {
        return predictor.observed(model);
    }
}
