package io.sbs.state;

/** A replacement named a version that is no longer the current one: someone changed it in between. */
public final class VersionConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long currentVersion;

    public VersionConflictException(long expected, long current) {
        super("expected version " + expected + " but the current version is " + current);
        this.currentVersion = current;
    }

    public long currentVersion() {
        return currentVersion;
    }
}
