package io.sbs.bench.live;

/**
 * What became of one request: written on the client's event loop as its answer streams, read by the
 * benchmark's thread once the run is over (or while it still streams, for a request cut off at the end,
 * hence the volatile fields). Times are {@link System#nanoTime()}.
 */
final class Outcome {

    /** Not (yet) happened. */
    static final long NONE = Long.MIN_VALUE;

    /** Answered with a first content chunk. */
    static final String OK = "200";
    /** A 200 stream that ended without content: an error event relayed after the headers, or a cut stream. */
    static final String NO_CONTENT = "200-no-content";
    /** No HTTP answer at all: refused, reset or timed-out connection. */
    static final String TRANSPORT_ERROR = "transport-error";
    /** Neither a status nor a first token by the end of the run's drain: cancelled then. */
    static final String UNFINISHED = "unfinished";

    private final long dueNanos;
    private final int promptTokens;
    private volatile long sentNanos = NONE;
    private volatile int status;
    private volatile long firstContentNanos = NONE;
    private volatile boolean ended;

    Outcome(long dueNanos, int promptTokens) {
        this.dueNanos = dueNanos;
        this.promptTokens = promptTokens;
    }

    long dueNanos() {
        return dueNanos;
    }

    int promptTokens() {
        return promptTokens;
    }

    long sentNanos() {
        return sentNanos;
    }

    long firstContentNanos() {
        return firstContentNanos;
    }

    boolean hasEnded() {
        return ended;
    }

    void sent(long nanos) {
        sentNanos = nanos;
    }

    void status(int code) {
        status = code;
    }

    void firstContent(long nanos) {
        firstContentNanos = nanos;
    }

    /** The answer is over, normally or by a transport failure; returns this. */
    Outcome ended() {
        ended = true;
        return this;
    }

    /**
     * The statuses key this request counts under: the HTTP status for answers other than 200, and for a
     * 200 whether it carried content; {@link #TRANSPORT_ERROR} and {@link #UNFINISHED} otherwise.
     */
    String key() {
        if (firstContentNanos != NONE) {
            return OK;
        }
        int code = status;
        if (code != 0 && code != 200) {
            return Integer.toString(code);
        }
        if (!ended) {
            return UNFINISHED;
        }
        return code == 200 ? NO_CONTENT : TRANSPORT_ERROR;
    }
}
