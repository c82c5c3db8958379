package io.sbs.core;

/**
 * A {@link PassTracker}'s rule for a load poll ({@link ReadinessSource#POLL}): an idle engine has finished
 * everything that reached it before the sample; a unit reporting fewer waiting requests than the estimate
 * holds outside the running pass has started a pass the estimate had not (the running pass ended between the
 * last observation and the sample); a unit reporting more tokens queued than the estimate holds, by more than
 * a chunk, holds work the estimate lost, which comes back as an unnamed block. A busy answer is progress for
 * the watchdog: the engine is alive and says it holds work, so dropping the estimate and counting it idle
 * would contradict the observation; the poll's own corrections apply instead. Not thread-safe; nanoseconds.
 */
final class PollSignal {

    private final UnitQueues q;
    private final PassTimeline timeline;
    private final PassWatchdog watchdog;

    PollSignal(UnitQueues q, PassTimeline timeline, PassWatchdog watchdog) {
        this.q = q;
        this.timeline = timeline;
        this.watchdog = watchdog;
    }

    /** {@link PassTracker#onPolled}. */
    boolean polled(UnitLoad[] loads, long sampledAt, long now, long pollPeriod, long arrivalMargin) {
        boolean idle = true;
        for (UnitLoad l : loads) {
            idle &= l.idle();
        }
        // an idle answer, or a busy one: the engine is alive, and the estimate is corrected, not dropped
        watchdog.progress(now);
        if (idle) {
            boolean changed = timeline.running() || q.anyArrivedBy(sampledAt);
            q.absorbArrivedBy(sampledAt);
            if (timeline.running() && timeline.start() > sampledAt) {
                // a pass of work that reached the engine after the sample: it keeps what is still tracked
                timeline.restartPass(timeline.start(), timeline.startObserved());
            } else {
                timeline.restartFromQueues(Long.MIN_VALUE);
            }
            timeline.publish(now);
            return changed;
        }
        boolean corrected = recoverLostWork(loads, sampledAt);
        if (!timeline.running() || timeline.start() > sampledAt
                || (timeline.lastEndObserved() && timeline.lastEnd() >= sampledAt)) {
            if (corrected) {
                timeline.publish(now);
            }
            return corrected;
        }
        // Waiting requests at the sample, unit by unit: the estimate's (arrived, not in the running pass)
        // against the engine's. The engine holding fewer means it has begun a pass the estimate has not.
        boolean behind = false;
        for (int d = 0; d < q.units() && d < loads.length; d++) {
            // only what had surely arrived: a late dispatch would otherwise look like a started pass
            int estimated = PassContents.waitingAt(q, d, sampledAt - arrivalMargin);
            behind |= estimated > loads[d].waitingRequests() && estimated > 0;
        }
        if (!behind) {
            if (corrected) {
                timeline.publish(now);
            }
            return corrected;
        }
        // the boundary lies between the last observation and the sample: take the middle of the last
        // poll period, and never before the running pass could have ended
        long endedAt = Math.max(timeline.start() + 1, sampledAt - pollPeriod / 2);
        timeline.applyPass(Math.min(endedAt, sampledAt), false);
        timeline.publish(now);
        return true;
    }

    /**
     * Work the engine holds that the estimate has lost (a pass applied too early, prompts run out of order):
     * where a unit reports more tokens queued beyond its running pass than the estimate holds there by more
     * than a chunk, the difference comes back as an unnamed block behind the estimate's own, so the unit is
     * not sent more than it can take. A pass ending between the sample and now explains at most a chunk.
     */
    private boolean recoverLostWork(UnitLoad[] loads, long sampledAt) {
        boolean corrected = false;
        for (int d = 0; d < q.units() && d < loads.length; d++) {
            long reported = loads[d].queuedTokens();
            if (reported < 0) {
                continue;
            }
            long arrived = 0;
            for (QueuedPrompt x : q.queue(d)) {
                if (x.arrivesAt > sampledAt) {
                    break;
                }
                arrived += x.remaining;
            }
            long estimated = Math.max(0, arrived - (timeline.running() ? q.take(d) : 0));
            if (reported > estimated + q.chunk()) {
                q.addUnnamedLast(d, reported - estimated, sampledAt);
                corrected = true;
            }
        }
        return corrected;
    }
}
