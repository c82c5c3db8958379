package io.sbs.control;

/**
 * A preview that cannot run on what it was given: nothing recorded and no trace named, an unknown trace, a
 * request outside the preview's limits, or one that did not finish within its wall-clock budget. The admin API answers 4xx with the message; {@link #reason()}
 * tells which.
 */
public final class InvalidPreviewException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Why the preview was refused. */
    public enum Reason {
        /** No trace named and no traffic recorded in the window. */
        NO_TRAFFIC,
        /** The named trace is not in the trace library. */
        UNKNOWN_TRACE,
        /** Anything else: a missing policy, a bad time scale, too many requests or too long a span. */
        INVALID,
        /** The simulations did not finish within the preview's wall-clock budget. */
        TOO_LARGE
    }

    private final Reason reason;

    public InvalidPreviewException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
