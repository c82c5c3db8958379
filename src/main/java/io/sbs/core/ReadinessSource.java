package io.sbs.core;

/**
 * Which signal led the scheduler to a pass boundary of an instance (a readiness decision). Stock SGLang and
 * vLLM give {@link #COMPLETION}, {@link #POLL} and {@link #WATCHDOG}; {@link #PUSH} needs an engine patch
 * or a sidecar; {@link #PREDICTION} is the pass-time model carrying the estimate between observations.
 */
public enum ReadinessSource {
    /** An EndForward push: the pass end, its duration and the queues, exact. */
    PUSH,
    /** A request's first token (or, with P/D, the prefill server's answer) came back: its last pass ended. */
    COMPLETION,
    /** A load poll: the engine was idle, or had started a pass that the estimate had not. */
    POLL,
    /** No progress was observed for {@code k_w · T̄_fwd}: the instance was forced idle. */
    WATCHDOG,
    /** The running pass reached its predicted end without an observation; the next one is assumed started. */
    PREDICTION;

    /** The name used in metrics and the API. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
