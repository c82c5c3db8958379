package io.sbs.control;

import java.time.Duration;

/** A preview is already running on this node; the admin API answers 429 with {@link #retryAfter()}. */
public final class PreviewBusyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    public PreviewBusyException(Duration retryAfter) {
        super("a policy preview is already running on this node; retry in " + retryAfter.toSeconds() + " s");
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
