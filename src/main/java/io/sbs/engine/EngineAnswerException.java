package io.sbs.engine;

/**
 * An engine answered with an error status (4xx or 5xx). The dispatcher passes the engine's own words on
 * to its client as a 502, so an operator sees what the engine objected to.
 */
public final class EngineAnswerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String body;

    public EngineAnswerException(String instanceId, int status, String body) {
        super("engine " + instanceId + " answered " + status + ": " + body);
        this.status = status;
        this.body = body;
    }

    /** The engine's HTTP status. */
    public int status() {
        return status;
    }

    /** The engine's answer, as text; empty if it sent none. */
    public String body() {
        return body;
    }
}
