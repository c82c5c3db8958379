package io.sbs.core;

/**
 * A {@link PassTracker}'s rule for a request's first token ({@link ReadinessSource#COMPLETION}): the pass that
 * ran its last chunk ended then, and the running pass with it. If the estimate had the request in a later
 * pass it was behind on that unit: the request and what was ahead of it there (FIFO) are done; other units
 * keep what the estimate has them run. If the estimate had finished it in a pass whose end was only
 * estimated, that pass really ended now and the running pass is restarted from here. First tokens of a pass
 * whose end was already observed are recognised by the request (it finished in that pass, or is a sibling the
 * estimate had put later) and move no boundary, however late they come back: relayed first tokens of one
 * pass arrive tens of ms apart. The passes run back to back since the last observed boundary are one duration
 * sample ({@link PassChain}). Not thread-safe; nanoseconds.
 */
final class CompletionSignal {

    private final UnitQueues q;
    private final PassTimeline timeline;
    private final PassChain chain;
    private final PassWatchdog watchdog;

    CompletionSignal(UnitQueues q, PassTimeline timeline, PassChain chain, PassWatchdog watchdog) {
        this.q = q;
        this.timeline = timeline;
        this.chain = chain;
        this.watchdog = watchdog;
    }

    /** {@link PassTracker#onCompleted}. */
    PassTracker.Boundary completed(long requestId, long endedAt, long now, long tolerance) {
        QueuedPrompt it = q.live(requestId);
        watchdog.progress(now);
        if (it != null) {
            return completedQueued(it, endedAt, now, tolerance);
        }
        Long finishedIn = q.finishedIn(requestId);
        if (finishedIn == null || finishedIn == UnitQueues.ABSORBED) {
            return null;
        }
        if (finishedIn == timeline.lastEndSeq()) {
            if (timeline.lastEndObserved()) {
                // a sibling of the pass whose end was observed (however late its first token came back)
                return null;
            }
            // its pass ended at endedAt, not at the predicted lastEnd; the running pass starts from here
            PassTracker.Boundary b = chain.endedAt(endedAt);
            timeline.observeEnd(endedAt);
            if (timeline.running() && timeline.start() < endedAt) {
                // the running pass could not start before the one it follows ended
                timeline.restartPass(endedAt, true);
            } else if (!timeline.running()) {
                timeline.startPass(endedAt, true);
            }
            timeline.publish(now);
            return b;
        }
        if (finishedIn < timeline.lastEndSeq() && !timeline.lastEndObserved()) {
            // the estimate ran more than a pass ahead: the running pass really starts now
            timeline.observeEnd(endedAt);
            if (timeline.running() && timeline.start() < endedAt) {
                timeline.restartPass(endedAt, true);
            }
            timeline.publish(now);
            return PassTracker.Boundary.UNMEASURED;
        }
        return null;
    }

    /** The first token of a request the estimate still has queued or running. */
    private PassTracker.Boundary completedQueued(QueuedPrompt it, long endedAt, long now, long tolerance) {
        if (timeline.lastEndObserved() && endedAt - timeline.lastEnd() <= tolerance) {
            // a sibling of the pass whose end was just observed, which the estimate had put in a later
            // pass (it reached the engine sooner than estimated): it and what was ahead of it are done
            timeline.finishThrough(it);
            timeline.publish(now);
            return null;
        }
        boolean inPass = timeline.running() && PassContents.runs(q, it);
        PassTracker.Boundary sample = inPass && chain.measuredBy(endedAt)
                ? chain.withRunning(endedAt, q.takeMax(), q.takeSum(), timeline.takeAttention())
                : PassTracker.Boundary.UNMEASURED;
        // the running pass ended by then; only on its own unit does the estimate learn more (FIFO: what
        // was ahead of it is done too), so other units keep what the estimate has them still run
        if (timeline.running()) {
            timeline.applyPass(Math.max(endedAt, timeline.start()), true);
        }
        if (q.isLive(it.requestId)) {
            timeline.finishThrough(it);
        }
        if (!timeline.running()) {
            timeline.startPass(endedAt, true);
        }
        timeline.publish(now);
        return sample;
    }
}
