package io.sbs.state;

/**
 * Redis refused a leader's write: the writer no longer holds the lease at the epoch it was elected with.
 * The writer must demote itself at once.
 */
public final class FencedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    FencedException(Throwable cause) {
        super(fencedMessage(cause), cause);
    }

    private static String fencedMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("FENCED")) {
                return t.getMessage().substring(t.getMessage().indexOf("FENCED"));
            }
        }
        return String.valueOf(e.getMessage());
    }

    /** Whether {@code e}, or one of its causes, carries the scripts' {@code FENCED} error. */
    static boolean isFenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("FENCED")) {
                return true;
            }
        }
        return false;
    }
}
