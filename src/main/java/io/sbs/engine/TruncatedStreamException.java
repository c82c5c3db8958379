package io.sbs.engine;

/** An engine's stream that ended (or began) without {@code data: [DONE]}: the answer was cut short. */
public final class TruncatedStreamException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TruncatedStreamException() {
        super("the engine's stream ended before data: [DONE]", null, false, false);
    }
}
