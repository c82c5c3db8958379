package io.sbs.core;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's estimate of one prefill instance's forward passes and device queues, kept from what the
 * dispatcher itself sent and corrected by whichever signals the engine gives: the readiness model of
 * paper section 4.1.2, built so that it needs no engine patch.
 *
 * <p>Implementation notes. Model: the instance is gated and non-preemptive (SPEC.md section 4): a pass
 * takes up to {@code C_max} tokens from the head of each unit's FIFO queue, lasts what the
 * {@link PassTimeModel} predicts for its tokens, and the next one starts at once if anything has arrived.
 * The tracker replays that model on the requests it sent (each reaching its unit {@code τ_net} after the
 * decision), so between observations it advances pass by pass on the prediction
 * ({@link ReadinessSource#PREDICTION}), except past a pass that finishes one of the dispatcher's requests:
 * that pass ends when the request's first token says so (running on past a late end would empty queues the
 * engine still has). Observations re-anchor it:
 * <ul>
 *   <li>{@link ReadinessSource#COMPLETION}: a request's first token came back, so the pass that ran its
 *       last chunk ended then, and the running pass with it. If the estimate had the request in a later
 *       pass it was behind on that unit: the request and what was ahead of it there (FIFO) are done; other
 *       units keep what the estimate has them run. If the estimate had finished it in a pass whose end was
 *       only estimated, that pass really ended now and the running pass is restarted from here. First
 *       tokens of a pass whose end was already observed are recognised by the request (it finished in
 *       that pass, or is a sibling the estimate had put later) and move no boundary, however late they
 *       come back: relayed first tokens of one pass arrive tens of ms apart. Passes the estimate ran back to
 *       back from an observed boundary to this one are a duration sample for {@code T̄_fwd} and the
 *       pass-time model, all of them together (their mean duration, at their mean tokens): a pass that
 *       finishes nothing (the middle chunks of a long prompt) has no observed end of its own, and measuring
 *       only single passes between two first tokens kept the long passes out of the samples whenever short
 *       cached remainders finished in every other pass, which left {@code T̄_fwd} at a fraction of the mean
 *       pass and the watchdog firing inside long passes.</li>
 *   <li>{@link ReadinessSource#PUSH} (EndForward): exact. The engine's received count says which of the
 *       dispatcher's prompts have reached it; their remaining tokens are brought to the engine's queue
 *       (run from the head when the engine is ahead, an unnamed block added when it holds work the
 *       estimate does not know), and the next pass's tokens are taken as reported.</li>
 *   <li>{@link ReadinessSource#POLL}: an idle engine has finished everything that reached it before the
 *       sample; a unit reporting fewer waiting requests than the estimate holds outside the running pass
 *       has started a pass the estimate had not (the running pass ended between the last observation and
 *       the sample); a unit reporting more tokens queued than the estimate holds, by more than a chunk,
 *       holds work the estimate lost, which comes back as an unnamed block. A busy answer is progress for
 *       the watchdog: the engine is alive and says it holds work, so dropping the estimate and counting it
 *       idle would contradict the observation; the poll's own corrections apply instead.</li>
 *   <li>{@link ReadinessSource#WATCHDOG}: no progress (a first token, a push, an answered poll) for
 *       {@code k_w · T̄_fwd} beyond the first pass the estimate expects to finish something: the estimate is
 *       dropped and the instance counts as idle.</li>
 * </ul>
 * Choices where the paper is silent: arrival order is kept per instance (a later decision never arrives
 * before an earlier one), so the FIFO of each unit is the order of the decisions; the return path of a
 * first token is taken to be as long as the dispatch path ({@code τ_net}). Failure handling: every
 * estimate error is bounded by the next observation; with none at all the watchdog degrades the instance
 * to watchdog-paced dispatch, as the triple check requires. Not thread-safe; nanoseconds.
 */
final class PassTracker {

    /** The request id of an engine-reported block whose requests the tracker cannot name. */
    private static final long UNNAMED = Long.MIN_VALUE;
    /** Pass sequence recorded for requests whose end the tracker no longer follows (absorbed or forgotten). */
    private static final long ABSORBED = -1;
    private static final int FINISHED_MEMORY = 4096;

    /** The pass-time prediction the tracker runs on (the cluster's {@link PassTimeModel}). */
    @FunctionalInterface
    interface PassTime {
        long predict(long maxUnitTokens, long totalTokens, double attention);
    }

    /** A prompt queued on a unit, as far as the scheduler knows. */
    private static final class Item {
        final long requestId;
        final int unit;
        final long tokens;
        long remaining;
        long arrivesAt;
        /** Tokens sent to the unit up to and including this one (matched against the engine's received count). */
        long offset;

        Item(long requestId, int unit, long remaining, long arrivesAt, long offset) {
            this.requestId = requestId;
            this.unit = unit;
            this.tokens = remaining;
            this.remaining = remaining;
            this.arrivesAt = arrivesAt;
            this.offset = offset;
        }
    }

    /**
     * A pass boundary an observation established.
     *
     * @param durationNanos the measured duration of {@code passes} passes run back to back (the start of the
     *                      first and the end of the last observed), or -1
     * @param passes        how many passes the estimate ran in that time (1: a single pass measured)
     * @param maxTokens     the passes' straggler tokens, summed over them
     * @param totalTokens   the passes' tokens, summed
     * @param attention     the passes' straggler attention ({@link PassTimeModel#attention}), summed
     */
    record Boundary(long durationNanos, int passes, long maxTokens, long totalTokens, double attention) {
        static final Boundary UNMEASURED = new Boundary(-1, 0, 0, 0, 0);
    }

    private final InstanceState inst;
    private final int units;
    private final long chunk;
    private final ArrayDeque<Item>[] queues;
    private final long[] queued;
    private final long[] take;
    private final long[] sent;
    private final long[] received;
    private final Map<Long, Item> live = new HashMap<>();
    private final LinkedHashMap<Long, Long> finished = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > FINISHED_MEMORY;
        }
    };

    private boolean running;
    private long start;
    private boolean startObserved;
    private long seq;
    private long lastEnd = Long.MIN_VALUE;
    private long lastEndSeq = -2;
    private boolean lastEndObserved;
    /** The running pass's straggler attention, computed when its tokens are taken. */
    private double takeAttention;
    private long lastArrival = Long.MIN_VALUE;
    /**
     * The passes the estimate ran back to back since the last observed boundary ({@code chainFrom}, or
     * {@link Long#MIN_VALUE} when the chain is broken), their count and summed features: a first token at
     * the end of the chain measures all of them together.
     */
    private long chainFrom = Long.MIN_VALUE;
    private int chainPasses;
    private long chainMax;
    private long chainSum;
    private double chainAttention;
    /** Set while {@link #applyPass} starts the next pass at once, which continues the chain. */
    private boolean continuing;
    /** Since when the watchdog counts: the last progress, or the send that gave an empty estimate work. */
    private long watchFrom = Long.MIN_VALUE;

    @SuppressWarnings("unchecked")
    PassTracker(InstanceState inst) {
        this.inst = inst;
        this.units = inst.units().size();
        this.chunk = inst.units().get(0).chunkCapacity();
        this.queues = new ArrayDeque[units];
        for (int d = 0; d < units; d++) {
            queues[d] = new ArrayDeque<>();
        }
        this.queued = new long[units];
        this.take = new long[units];
        this.sent = new long[units];
        this.received = new long[units];
    }

    boolean running() {
        return running;
    }

    long start() {
        return start;
    }

    /** Tokens of the running pass on its most loaded unit, and in all. */
    long takeMax() {
        long m = 0;
        for (long t : take) {
            m = Math.max(m, t);
        }
        return m;
    }

    long takeSum() {
        long s = 0;
        for (long t : take) {
            s += t;
        }
        return s;
    }

    double takeAttention() {
        return takeAttention;
    }

    /** When the running pass is predicted to end. */
    long predictedEnd(PassTime passTime) {
        return start + passTime.predict(takeMax(), takeSum(), takeAttention);
    }

    /** Whether the estimate holds any work (queued, running or on its way). */
    boolean hasWork() {
        return !live.isEmpty() || running || anyQueued();
    }

    private boolean anyQueued() {
        for (long q : queued) {
            if (q > 0) {
                return true;
            }
        }
        return false;
    }

    /** The latest time any decision sent so far reaches the engine. */
    long lastArrival() {
        return lastArrival;
    }

    // ---- decisions ----

    /** A decision: {@code tokens} for unit {@code unit} leave now and reach it after {@code latency}. */
    void send(int unit, long requestId, int tokens, long now, long latency) {
        long arrivesAt = Math.max(lastArrival, now + Math.max(0, latency));
        lastArrival = arrivesAt;
        if (!hasWork()) {
            watchFrom = now;
        }
        sent[unit] += tokens;
        Item it = new Item(requestId, unit, tokens, arrivesAt, sent[unit]);
        queues[unit].addLast(it);
        queued[unit] += tokens;
        live.put(requestId, it);
        if (!running) {
            // an idle engine starts a pass on the first arrival; what arrives with it joins
            startPass(arrivesAt, false);
        } else if (arrivesAt <= start) {
            take[unit] = Math.min(chunk, arrivedTokens(unit, start));
            takeAttention = attentionOfTake();
        }
        sync(now);
    }

    /** A decision of this cycle was never sent; false when the request is not tracked. */
    boolean withdraw(long requestId, long now) {
        Item it = live.remove(requestId);
        if (it == null) {
            return false;
        }
        ArrayDeque<Item> q = queues[it.unit];
        boolean after = false;
        for (Iterator<Item> i = q.iterator(); i.hasNext();) {
            Item x = i.next();
            if (x == it) {
                i.remove();
                after = true;
            } else if (after) {
                x.offset -= it.remaining;
            }
        }
        queued[it.unit] -= it.remaining;
        sent[it.unit] -= it.remaining;
        if (running && start >= now) {
            // the pass it would have started has not begun: it keeps only what is still sent
            take[it.unit] = Math.min(chunk, arrivedTokens(it.unit, start));
            takeAttention = attentionOfTake();
            if (takeSum() == 0) {
                running = false;
                seq--;
            }
        }
        sync(now);
        return true;
    }

    /**
     * A request sent earlier left without a first token (its client went away, or the engine failed): the
     * engine drops it, so the estimate does too. False when the tracker does not follow it.
     */
    boolean abandon(long requestId, long now) {
        Item it = live.remove(requestId);
        if (it == null) {
            return false;
        }
        queues[it.unit].remove(it);
        queued[it.unit] -= it.remaining;
        finished.put(requestId, ABSORBED);
        if (running) {
            take[it.unit] = Math.min(take[it.unit], Math.min(chunk, arrivedTokens(it.unit, start)));
            takeAttention = attentionOfTake();
            if (takeSum() == 0) {
                running = false;
            }
        }
        sync(now);
        return true;
    }

    // ---- the model between observations ----

    /**
     * Brings the estimate to {@code now}: passes whose predicted end has come are applied and the next ones
     * started. Returns how many boundaries the prediction alone decided.
     */
    int advance(long now, PassTime passTime) {
        int predicted = 0;
        for (int guard = 0; guard < 100_000; guard++) {
            if (running) {
                long end = predictedEnd(passTime);
                if (end > now || finishesNamed()) {
                    // a pass that finishes a request we sent ends when its first token says so: running
                    // on past a late end would empty the estimate's queues faster than the engine's
                    break;
                }
                applyPass(end, false);
                predicted++;
            } else {
                long first = earliestArrival();
                if (first == Long.MAX_VALUE || first > now) {
                    break;
                }
                startPass(first, false);
            }
        }
        sync(now);
        return predicted;
    }

    // ---- observations ----

    /**
     * A request's first token came back: the pass that ran its last chunk ended at {@code endedAt}. Returns
     * the boundary it established, or null when it told nothing new (a sibling of an observed end, or a
     * request the tracker does not follow).
     */
    Boundary onCompleted(long requestId, long endedAt, long now, long tolerance) {
        Item it = live.get(requestId);
        progress(now);
        if (it != null) {
            if (lastEndObserved && endedAt - lastEnd <= tolerance) {
                // a sibling of the pass whose end was just observed, which the estimate had put in a later
                // pass (it reached the engine sooner than estimated): it and what was ahead of it are done
                forceFinish(it);
                takeAttention = attentionOfTake();
                sync(now);
                return null;
            }
            boolean inPass = running && inRunningPass(it);
            boolean measurable = inPass && chainFrom != Long.MIN_VALUE && endedAt > chainFrom;
            long sampleStart = chainFrom;
            int passes = chainPasses + 1;
            long max = chainMax + takeMax();
            long sum = chainSum + takeSum();
            double attention = chainAttention + takeAttention;
            // the running pass ended by then; only on its own unit does the estimate learn more (FIFO: what
            // was ahead of it is done too), so other units keep what the estimate has them still run
            if (running) {
                applyPass(Math.max(endedAt, start), true);
            }
            if (live.containsKey(requestId)) {
                forceFinish(it);
                takeAttention = attentionOfTake();
            }
            if (!running) {
                startPass(endedAt, true);
            }
            sync(now);
            return measurable ? new Boundary(endedAt - sampleStart, passes, max, sum, attention) : Boundary.UNMEASURED;
        }
        Long finishedIn = finished.get(requestId);
        if (finishedIn == null || finishedIn == ABSORBED) {
            return null;
        }
        if (finishedIn == lastEndSeq) {
            if (lastEndObserved) {
                // a sibling of the pass whose end was observed (however late its first token came back)
                return null;
            }
            // its pass ended at endedAt, not at the predicted lastEnd; the running pass starts from here
            Boundary b = chainFrom != Long.MIN_VALUE && chainPasses > 0 && endedAt > chainFrom
                    ? new Boundary(endedAt - chainFrom, chainPasses, chainMax, chainSum, chainAttention)
                    : Boundary.UNMEASURED;
            lastEnd = endedAt;
            lastEndObserved = true;
            if (running && start < endedAt) {
                // the running pass could not start before the one it follows ended
                restartPass(endedAt, true);
            } else if (!running) {
                startPass(endedAt, true);
            }
            sync(now);
            return b;
        }
        if (finishedIn < lastEndSeq && !lastEndObserved) {
            // the estimate ran more than a pass ahead: the running pass really starts now
            lastEnd = endedAt;
            lastEndObserved = true;
            if (running && start < endedAt) {
                restartPass(endedAt, true);
            }
            sync(now);
            return Boundary.UNMEASURED;
        }
        return null;
    }

    /**
     * EndForward: the engine's own account of the pass that ended at {@code endedAt} and of its queues.
     * Returns false when the report is older than a boundary already observed (it is then ignored).
     */
    boolean onPush(ForwardEndedEvent e, long endedAt, long now, long tolerance) {
        return onPush(e, endedAt, now, tolerance, true);
    }

    /**
     * {@link #onPush(ForwardEndedEvent, long, long, long)}; with {@code ours} false the engine's received
     * tokens were sent by another node (this one stands by), so they do not advance this node's received
     * count, which is brought to what it sent: a standby sends nothing, and what it sent while it led has
     * reached the engine. Matched against the engine's received tokens, its own next dispatches then count
     * as on their way until the engine reports them, as they should.
     */
    boolean onPush(ForwardEndedEvent e, long endedAt, long now, long tolerance, boolean ours) {
        if (lastEndObserved && endedAt < lastEnd - tolerance) {
            return false;
        }
        progress(now);
        for (int d = 0; d < units; d++) {
            if (!ours) {
                received[d] = sent[d];
            } else if (d < e.receivedTokens().length) {
                // beyond what this node sent, the engine received another sender's tokens (a predecessor's
                // last dispatches): counted, they would make this node's next ones look arrived too early
                received[d] = Math.min(sent[d], received[d] + Math.max(0, e.receivedTokens()[d]));
            }
            // what the engine has received is in its report, the rest is still on its way
            long arrived = 0;
            for (Item x : queues[d]) {
                if (x.offset <= received[d]) {
                    x.arrivesAt = Math.min(x.arrivesAt, endedAt);
                    arrived += x.remaining;
                } else {
                    x.arrivesAt = Math.max(x.arrivesAt, endedAt + 1);
                }
            }
            long engine = d < e.nextPassTokens().length && d < e.backlogTokens().length
                    ? Math.max(0, e.nextPassTokens()[d]) + Math.max(0, e.backlogTokens()[d]) : 0;
            if (arrived > engine) {
                consume(d, arrived - engine);
            } else if (arrived < engine) {
                // work the estimate does not know of (another sender, or a prompt cached differently)
                queues[d].addFirst(new Item(UNNAMED, d, engine - arrived, endedAt, 0));
                queued[d] += engine - arrived;
            }
            take[d] = d < e.nextPassTokens().length ? Math.max(0, Math.min(engine, e.nextPassTokens()[d])) : 0;
        }
        lastEnd = endedAt;
        lastEndSeq = seq;
        lastEndObserved = true;
        if (takeSum() > 0) {
            running = true;
            start = endedAt;
            startObserved = true;
            seq++;
            takeAttention = attentionOfTake();
            chainFrom(endedAt);
        } else {
            // idle, unless work of ours is still on its way: it starts a pass of its own on arrival
            running = false;
            long first = earliestArrival();
            if (first != Long.MAX_VALUE) {
                startPass(Math.max(first, endedAt), false);
            }
        }
        sync(now);
        return true;
    }

    /**
     * A load poll sampled at {@code sampledAt}. Returns whether it moved the estimate: an idle engine has
     * finished everything that reached it before the sample; a unit with fewer waiting requests than the
     * estimate holds outside its running pass has started a pass the estimate has not.
     */
    boolean onPolled(UnitLoad[] loads, long sampledAt, long now, long pollPeriod, long arrivalMargin) {
        boolean idle = true;
        for (UnitLoad l : loads) {
            idle &= l.idle();
        }
        if (idle) {
            progress(now);
            boolean changed = running || anyArrivedBy(sampledAt);
            for (int d = 0; d < units; d++) {
                ArrayDeque<Item> q = queues[d];
                for (Iterator<Item> i = q.iterator(); i.hasNext();) {
                    Item x = i.next();
                    if (x.arrivesAt <= sampledAt) {
                        i.remove();
                        queued[d] -= x.remaining;
                        if (x.requestId != UNNAMED) {
                            live.remove(x.requestId);
                            finished.put(x.requestId, ABSORBED);
                        }
                    }
                }
            }
            if (running && start > sampledAt) {
                // a pass of work that reached the engine after the sample: it keeps what is still tracked
                restartPass(start, startObserved);
            } else {
                running = false;
                long first = earliestArrival();
                if (first != Long.MAX_VALUE) {
                    startPass(first, false);
                }
            }
            sync(now);
            return changed;
        }
        // the engine answered that it holds work: it is alive, and the estimate is corrected below, not dropped
        progress(now);
        boolean corrected = recoverLostWork(loads, sampledAt);
        if (!running || start > sampledAt || (lastEndObserved && lastEnd >= sampledAt)) {
            if (corrected) {
                sync(now);
            }
            return corrected;
        }
        // Waiting requests at the sample, unit by unit: the estimate's (arrived, not in the running pass)
        // against the engine's. The engine holding fewer means it has begun a pass the estimate has not.
        boolean behind = false;
        for (int d = 0; d < units && d < loads.length; d++) {
            // only what had surely arrived: a late dispatch would otherwise look like a started pass
            int estimated = waitingAt(d, sampledAt - arrivalMargin);
            behind |= estimated > loads[d].waitingRequests() && estimated > 0;
        }
        if (!behind) {
            if (corrected) {
                sync(now);
            }
            return corrected;
        }
        // the boundary lies between the last observation and the sample: take the middle of the last
        // poll period, and never before the running pass could have ended
        long endedAt = Math.max(start + 1, sampledAt - pollPeriod / 2);
        applyPass(Math.min(endedAt, sampledAt), false);
        sync(now);
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
        for (int d = 0; d < units && d < loads.length; d++) {
            long reported = loads[d].queuedTokens();
            if (reported < 0) {
                continue;
            }
            long arrived = 0;
            for (Item x : queues[d]) {
                if (x.arrivesAt > sampledAt) {
                    break;
                }
                arrived += x.remaining;
            }
            long estimated = Math.max(0, arrived - (running ? take[d] : 0));
            if (reported > estimated + chunk) {
                long lost = reported - estimated;
                queues[d].addLast(new Item(UNNAMED, d, lost, sampledAt, sent[d]));
                queued[d] += lost;
                corrected = true;
            }
        }
        return corrected;
    }

    /** The earliest time the watchdog may fire, or {@link Long#MAX_VALUE} while the estimate holds no work. */
    long watchdogDeadline(long timeout, long meanForward, PassTime passTime) {
        if (!hasWork() || watchFrom == Long.MIN_VALUE) {
            return Long.MAX_VALUE;
        }
        long deadline = watchFrom + timeout;
        if (running) {
            // no completion is due before the first pass that finishes a prompt: long prompts span passes
            int passes = passesUntilFirstFinish();
            long firstFinish = predictedEnd(passTime) + (long) Math.max(0, passes - 1) * meanForward;
            deadline = Math.max(deadline, firstFinish + Math.max(0, timeout - meanForward));
        }
        return deadline;
    }

    /** The watchdog fired: the estimate is dropped and the instance counts as idle. */
    void forget(long now) {
        for (int d = 0; d < units; d++) {
            for (Item x : queues[d]) {
                if (x.requestId != UNNAMED) {
                    finished.put(x.requestId, ABSORBED);
                }
            }
            queues[d].clear();
            queued[d] = 0;
            take[d] = 0;
        }
        live.clear();
        running = false;
        chainFrom = Long.MIN_VALUE;
        watchFrom = Long.MIN_VALUE;
        lastArrival = Math.min(lastArrival, now);
        sync(now);
    }

    // ---- internals ----

    private void progress(long now) {
        watchFrom = Math.max(watchFrom, now);
    }

    private void startPass(long at, boolean observed) {
        if (takeArrived(at) == 0) {
            running = false;
            chainFrom = Long.MIN_VALUE;
            return;
        }
        running = true;
        start = at;
        startObserved = observed;
        seq++;
        takeAttention = attentionOfTake();
        if (observed) {
            chainFrom(at);
        } else if (!continuing) {
            chainFrom = Long.MIN_VALUE;
        }
    }

    private void chainFrom(long at) {
        chainFrom = at;
        chainPasses = 0;
        chainMax = 0;
        chainSum = 0;
        chainAttention = 0;
    }

    /** The straggler attention of the running pass: per unit, each chunk after the prompt's done part. */
    private double attentionOfTake() {
        double max = 0;
        for (int d = 0; d < units; d++) {
            long left = take[d];
            double unit = 0;
            for (Item x : queues[d]) {
                if (left <= 0) {
                    break;
                }
                long c = Math.min(x.remaining, left);
                unit += PassTimeModel.attention(x.tokens - x.remaining, c);
                left -= c;
            }
            max = Math.max(max, unit);
        }
        return max;
    }

    /** The running pass really started at {@code at}: its tokens are what had arrived by then. */
    private void restartPass(long at, boolean observed) {
        start = at;
        startObserved = observed;
        if (takeArrived(at) == 0) {
            running = false;
        }
        takeAttention = attentionOfTake();
        if (observed && running) {
            chainFrom(at);
        } else {
            chainFrom = Long.MIN_VALUE;
        }
    }

    /** A pass starting at {@code at} takes up to {@code C_max} of what each unit has by then; returns its tokens. */
    private long takeArrived(long at) {
        long sum = 0;
        for (int d = 0; d < units; d++) {
            take[d] = Math.min(chunk, arrivedTokens(d, at));
            sum += take[d];
        }
        return sum;
    }

    /** The running pass ended at {@code endAt}: its chunks are done, and the next pass starts at once. */
    private void applyPass(long endAt, boolean observed) {
        chainPasses++;
        chainMax += takeMax();
        chainSum += takeSum();
        chainAttention += takeAttention;
        for (int d = 0; d < units; d++) {
            consume(d, take[d]);
        }
        lastEnd = endAt;
        lastEndSeq = seq;
        lastEndObserved = observed;
        continuing = true;
        startPass(endAt, observed);
        continuing = false;
    }

    /** The engine ran {@code tokens} of unit {@code d}'s queue, from its head. */
    private void consume(int d, long tokens) {
        long left = tokens;
        ArrayDeque<Item> q = queues[d];
        while (left > 0 && !q.isEmpty()) {
            Item head = q.peekFirst();
            long c = Math.min(head.remaining, left);
            head.remaining -= c;
            queued[d] -= c;
            left -= c;
            if (head.remaining == 0) {
                q.pollFirst();
                if (head.requestId != UNNAMED) {
                    live.remove(head.requestId);
                    finished.put(head.requestId, seq);
                }
            }
        }
    }

    /** A request known to be done that the estimate could not finish: it and everything ahead leave. */
    private void forceFinish(Item it) {
        if (chainPasses > 0) {
            // the estimate was behind: how many passes ran since the chain began is not known
            chainFrom = Long.MIN_VALUE;
        }
        ArrayDeque<Item> q = queues[it.unit];
        while (!q.isEmpty()) {
            Item x = q.pollFirst();
            queued[it.unit] -= x.remaining;
            if (x.requestId != UNNAMED) {
                live.remove(x.requestId);
                finished.put(x.requestId, lastEndSeq);
            }
            if (x == it) {
                break;
            }
        }
        take[it.unit] = running ? Math.min(take[it.unit], arrivedTokens(it.unit, start)) : 0;
        if (running && takeSum() == 0) {
            running = false;
        }
    }

    private long arrivedTokens(int unit, long by) {
        long sum = 0;
        for (Item x : queues[unit]) {
            if (x.arrivesAt > by) {
                break;
            }
            sum += x.remaining;
            if (sum >= chunk) {
                return sum;
            }
        }
        return sum;
    }

    private long earliestArrival() {
        long first = Long.MAX_VALUE;
        for (ArrayDeque<Item> q : queues) {
            if (!q.isEmpty()) {
                first = Math.min(first, q.peekFirst().arrivesAt);
            }
        }
        return first;
    }

    private boolean anyArrivedBy(long t) {
        for (ArrayDeque<Item> q : queues) {
            if (!q.isEmpty() && q.peekFirst().arrivesAt <= t) {
                return true;
            }
        }
        return false;
    }

    /** Whether the running pass runs (a chunk of) {@code it}: less than its take is queued ahead of it. */
    private boolean inRunningPass(Item it) {
        long ahead = 0;
        for (Item x : queues[it.unit]) {
            if (x == it) {
                return ahead < take[it.unit];
            }
            ahead += x.remaining;
        }
        return false;
    }

    /** Whether the running pass runs the last chunk of a request the dispatcher sent (a completion will come). */
    private boolean finishesNamed() {
        for (int d = 0; d < units; d++) {
            long left = take[d];
            for (Item x : queues[d]) {
                if (left <= 0) {
                    break;
                }
                if (x.remaining <= left && x.requestId != UNNAMED) {
                    return true;
                }
                left -= x.remaining;
            }
        }
        return false;
    }

    /** Named requests on unit {@code d} that had arrived by {@code t} and are not in the running pass. */
    private int waitingAt(int d, long t) {
        long left = take[d];
        int waiting = 0;
        for (Item x : queues[d]) {
            if (x.arrivesAt > t) {
                break;
            }
            if (left > 0) {
                // in the running pass, entirely or its first chunk
                left -= x.remaining;
                continue;
            }
            if (x.requestId != UNNAMED) {
                waiting++;
            }
        }
        return waiting;
    }

    /** Passes, the running one first, until the first request we sent is due to finish (its completion). */
    private int passesUntilFirstFinish() {
        int best = Integer.MAX_VALUE;
        for (int d = 0; d < units; d++) {
            long ahead = 0;
            for (Item x : queues[d]) {
                ahead += x.remaining;
                if (x.requestId != UNNAMED) {
                    long after = ahead - take[d];
                    best = Math.min(best, after <= 0 ? 1 : 1 + (int) ((after + chunk - 1) / chunk));
                    break;
                }
            }
        }
        return best == Integer.MAX_VALUE ? 1 : best;
    }

    /** Publishes the estimate in the fields the allocators, baselines and meters read. */
    private void sync(long now) {
        inst.passRunning = running;
        inst.passStartedNanos = start;
        inst.runningPassMaxTokens = takeMax();
        inst.runningPassTotalTokens = takeSum();
        inst.lastDispatchArrivalNanos = lastArrival;
        List<DpUnitState> us = inst.units();
        boolean scheduled = running && start > now;
        for (int d = 0; d < units; d++) {
            long inPass = running ? take[d] : 0;
            long beyond = Math.max(0, queued[d] - inPass);
            long onTheirWay = 0;
            for (Iterator<Item> i = queues[d].descendingIterator(); i.hasNext() && onTheirWay < beyond;) {
                Item x = i.next();
                if (x.arrivesAt <= now) {
                    break;
                }
                onTheirWay += x.remaining;
            }
            onTheirWay = Math.min(onTheirWay, beyond);
            us.get(d).track(scheduled ? inPass : 0, onTheirWay, beyond - onTheirWay);
        }
    }
}
