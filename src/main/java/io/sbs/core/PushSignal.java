package io.sbs.core;

/**
 * A {@link PassTracker}'s rule for an EndForward push ({@link ReadinessSource#PUSH}), which is exact: the
 * engine's received count says which of the dispatcher's prompts have reached it; their remaining tokens are
 * brought to the engine's queue (run from the head when the engine is ahead, an unnamed block added when it
 * holds work the estimate does not know), and the next pass's tokens are taken as reported. A report older
 * than an observed boundary is ignored. Not thread-safe; nanoseconds and tokens.
 */
final class PushSignal {

    private final UnitQueues q;
    private final PassTimeline timeline;
    private final PassWatchdog watchdog;

    PushSignal(UnitQueues q, PassTimeline timeline, PassWatchdog watchdog) {
        this.q = q;
        this.timeline = timeline;
        this.watchdog = watchdog;
    }

    /** {@link PassTracker#onPush(ForwardEndedEvent, long, long, long, boolean)}. */
    boolean pushed(ForwardEndedEvent e, long endedAt, long now, long tolerance, boolean ours) {
        if (timeline.lastEndObserved() && endedAt < timeline.lastEnd() - tolerance) {
            return false;
        }
        watchdog.progress(now);
        for (int d = 0; d < q.units(); d++) {
            // what the engine has received is in its report, the rest is still on its way
            long arrived = q.receive(d, ours, e.receivedTokens(), endedAt);
            long engine = d < e.nextPassTokens().length && d < e.backlogTokens().length
                    ? Math.max(0, e.nextPassTokens()[d]) + Math.max(0, e.backlogTokens()[d]) : 0;
            if (arrived > engine) {
                q.consume(d, arrived - engine, timeline.seq());
            } else if (arrived < engine) {
                // work the estimate does not know of (another sender, or a prompt cached differently)
                q.addUnnamedFirst(d, engine - arrived, endedAt);
            }
            q.take(d, d < e.nextPassTokens().length ? Math.max(0, Math.min(engine, e.nextPassTokens()[d])) : 0);
        }
        timeline.startReported(endedAt);
        timeline.publish(now);
        return true;
    }
}
