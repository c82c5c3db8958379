package io.sbs.core;

/**
 * A {@link PassTracker}'s watchdog: no progress (a first token, a push, an answered poll) for
 * {@code k_w · T̄_fwd} beyond the first pass the estimate expects to finish something, and the estimate is
 * dropped (paper section 4.1.2, the third check). It counts from the last progress, or from the send that
 * gave an empty estimate work; long prompts span passes, so no completion is due before the first pass that
 * finishes one of the dispatcher's prompts. Not thread-safe; nanoseconds.
 */
final class PassWatchdog {

    private final UnitQueues q;
    private final PassTimeline timeline;
    /** Since when the watchdog counts: the last progress, or the send that gave an empty estimate work. */
    private long from = Long.MIN_VALUE;

    PassWatchdog(UnitQueues q, PassTimeline timeline) {
        this.q = q;
        this.timeline = timeline;
    }

    /** An empty estimate was given work at {@code now}. */
    void start(long now) {
        from = now;
    }

    /** The engine showed progress at {@code now}. */
    void progress(long now) {
        from = Math.max(from, now);
    }

    void reset() {
        from = Long.MIN_VALUE;
    }

    /** The earliest time the watchdog may fire, or {@link Long#MAX_VALUE} while the estimate holds no work. */
    long deadline(long timeout, long meanForward, PassTracker.PassTime passTime) {
        if (!timeline.hasWork() || from == Long.MIN_VALUE) {
            return Long.MAX_VALUE;
        }
        long deadline = from + timeout;
        if (timeline.running()) {
            // no completion is due before the first pass that finishes a prompt: long prompts span passes
            int passes = PassContents.passesUntilFirstFinish(q);
            long firstFinish = timeline.predictedEnd(passTime) + (long) Math.max(0, passes - 1) * meanForward;
            deadline = Math.max(deadline, firstFinish + Math.max(0, timeout - meanForward));
        }
        return deadline;
    }
}
