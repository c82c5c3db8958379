package io.sbs.core;

/**
 * A prompt queued on a prefill DP unit, as far as the scheduler knows ({@link UnitQueues}): its tokens,
 * those the engine has still to run, when it reaches the unit, and where it stands in what was sent there.
 */
final class QueuedPrompt {
    final long requestId;
    final int unit;
    final long tokens;
    long remaining;
    long arrivesAt;
    /** Tokens sent to the unit up to and including this one (matched against the engine's received count). */
    long offset;

    QueuedPrompt(long requestId, int unit, long remaining, long arrivesAt, long offset) {
        this.requestId = requestId;
        this.unit = unit;
        this.tokens = remaining;
        this.remaining = remaining;
        this.arrivesAt = arrivesAt;
        this.offset = offset;
    }
}
