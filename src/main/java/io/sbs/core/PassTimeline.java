package io.sbs.core;

/**
 * A {@link PassTracker}'s passes: whether one is running, when it started and whether that start was
 * observed, its sequence number and straggler attention, and the last pass boundary (when, after which pass,
 * observed or predicted). Its transitions start, restart and end passes on the {@link UnitQueues} (a pass
 * takes up to {@code C_max} of what has arrived on each unit) and extend or break the {@link PassChain};
 * between observations {@link #advance} runs the pass-time prediction. The signal rules
 * ({@link CompletionSignal}, {@link PushSignal}, {@link PollSignal}) and the dispatcher's decisions drive
 * it; {@link #publish} writes the estimate where allocators, baselines and meters read it. Not thread-safe;
 * nanoseconds.
 */
final class PassTimeline {

    private final InstanceState inst;
    private final UnitQueues q;
    private final PassChain chain;

    private boolean running;
    private long start;
    private boolean startObserved;
    private long seq;
    private long lastEnd = Long.MIN_VALUE;
    private long lastEndSeq = -2;
    private boolean lastEndObserved;
    /** The running pass's straggler attention, computed when its tokens are taken. */
    private double takeAttention;

    PassTimeline(InstanceState inst, UnitQueues q, PassChain chain) {
        this.inst = inst;
        this.q = q;
        this.chain = chain;
    }

    boolean running() {
        return running;
    }

    long start() {
        return start;
    }

    boolean startObserved() {
        return startObserved;
    }

    long seq() {
        return seq;
    }

    long lastEnd() {
        return lastEnd;
    }

    long lastEndSeq() {
        return lastEndSeq;
    }

    boolean lastEndObserved() {
        return lastEndObserved;
    }

    double takeAttention() {
        return takeAttention;
    }

    /** Whether the estimate holds any work (queued, running or on its way). */
    boolean hasWork() {
        return q.holdsWork() || running;
    }

    /** When the running pass is predicted to end. */
    long predictedEnd(PassTracker.PassTime passTime) {
        return start + passTime.predict(q.takeMax(), q.takeSum(), takeAttention);
    }

    // ---- the dispatcher's decisions ----

    /** A decision for {@code unit} reaches it at {@code arrivesAt}. */
    void sent(int unit, long arrivesAt) {
        if (!running) {
            // an idle engine starts a pass on the first arrival; what arrives with it joins
            startPass(arrivesAt, false);
        } else if (arrivesAt <= start) {
            retake(unit);
        }
    }

    /** A decision for {@code unit} was never sent. */
    void withdrawn(int unit, long now) {
        if (running && start >= now) {
            // the pass it would have started has not begun: it keeps only what is still sent
            retake(unit);
            if (q.takeSum() == 0) {
                running = false;
                seq--;
            }
        }
    }

    /** A request on {@code unit} was dropped by the engine. */
    void abandoned(int unit) {
        if (running) {
            q.take(unit, Math.min(q.take(unit), Math.min(q.chunk(), q.arrivedTokens(unit, start))));
            takeAttention = PassContents.attention(q);
            if (q.takeSum() == 0) {
                running = false;
            }
        }
    }

    private void retake(int unit) {
        q.take(unit, Math.min(q.chunk(), q.arrivedTokens(unit, start)));
        takeAttention = PassContents.attention(q);
    }

    /** The estimate was dropped: no pass runs, and the chain's passes are not known. */
    void stop() {
        running = false;
        chain.breakOff();
    }

    // ---- passes ----

    /**
     * Brings the estimate to {@code now}: passes whose predicted end has come are applied and the next ones
     * started. Returns how many boundaries the prediction alone decided.
     */
    int advance(long now, PassTracker.PassTime passTime) {
        int predicted = 0;
        for (int guard = 0; guard < 100_000; guard++) {
            if (running) {
                long end = predictedEnd(passTime);
                if (end > now || PassContents.finishesNamed(q)) {
                    // a pass that finishes a request we sent ends when its first token says so: running
                    // on past a late end would empty the estimate's queues faster than the engine's
                    break;
                }
                applyPass(end, false);
                predicted++;
            } else {
                long first = q.earliestArrival();
                if (first == Long.MAX_VALUE || first > now) {
                    break;
                }
                startPass(first, false);
            }
        }
        return predicted;
    }

    void startPass(long at, boolean observed) {
        startPass(at, observed, false);
    }

    /** A pass starts at {@code at}; {@code continuing} when it follows the one just ended, in the chain. */
    private void startPass(long at, boolean observed, boolean continuing) {
        if (q.takeArrived(at) == 0) {
            running = false;
            chain.breakOff();
            return;
        }
        running = true;
        start = at;
        startObserved = observed;
        seq++;
        takeAttention = PassContents.attention(q);
        if (observed) {
            chain.from(at);
        } else if (!continuing) {
            chain.breakOff();
        }
    }

    /** The running pass really started at {@code at}: its tokens are what had arrived by then. */
    void restartPass(long at, boolean observed) {
        start = at;
        startObserved = observed;
        if (q.takeArrived(at) == 0) {
            running = false;
        }
        takeAttention = PassContents.attention(q);
        if (observed && running) {
            chain.from(at);
        } else {
            chain.breakOff();
        }
    }

    /** No pass runs; the first work still on its way, not before {@code notBefore}, starts one on arrival. */
    void restartFromQueues(long notBefore) {
        running = false;
        long first = q.earliestArrival();
        if (first != Long.MAX_VALUE) {
            startPass(Math.max(first, notBefore), false);
        }
    }

    /** The running pass ended at {@code endAt}: its chunks are done, and the next pass starts at once. */
    void applyPass(long endAt, boolean observed) {
        chain.add(q.takeMax(), q.takeSum(), takeAttention);
        for (int d = 0; d < q.units(); d++) {
            q.consume(d, q.take(d), seq);
        }
        lastEnd = endAt;
        lastEndSeq = seq;
        lastEndObserved = observed;
        startPass(endAt, observed, true);
    }

    /** A pass boundary was observed at {@code at} where the estimate had one (not moved by the estimate). */
    void observeEnd(long at) {
        lastEnd = at;
        lastEndObserved = true;
    }

    /**
     * The engine reported a pass that ended at {@code endedAt}, with the next pass's tokens already taken on
     * the queues: that pass runs from then, or, when it is empty, the first work still on its way starts one.
     */
    void startReported(long endedAt) {
        lastEnd = endedAt;
        lastEndSeq = seq;
        lastEndObserved = true;
        if (q.takeSum() > 0) {
            running = true;
            start = endedAt;
            startObserved = true;
            seq++;
            takeAttention = PassContents.attention(q);
            chain.from(endedAt);
        } else {
            // idle, unless work of ours is still on its way: it starts a pass of its own on arrival
            restartFromQueues(endedAt);
        }
    }

    /** A request known to be done that the estimate could not finish: it and everything ahead leave. */
    void finishThrough(QueuedPrompt it) {
        if (chain.hasPasses()) {
            // the estimate was behind: how many passes ran since the chain began is not known
            chain.breakOff();
        }
        q.finishThrough(it, lastEndSeq);
        q.take(it.unit, running ? Math.min(q.take(it.unit), q.arrivedTokens(it.unit, start)) : 0);
        if (running && q.takeSum() == 0) {
            running = false;
        }
        takeAttention = PassContents.attention(q);
    }

    /** Publishes the estimate in the fields the allocators, baselines and meters read. */
    void publish(long now) {
        inst.passRunning = running;
        inst.passStartedNanos = start;
        inst.runningPassMaxTokens = q.takeMax();
        inst.runningPassTotalTokens = q.takeSum();
        inst.lastDispatchArrivalNanos = q.lastArrival();
        q.publish(inst.units(), running, running && start > now, now);
    }
}
