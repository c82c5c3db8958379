package io.sbs.core;

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
 *
 * <p>Structure. This class is the façade the cluster state calls; the parts each do one job: the
 * {@link UnitQueues} (what each unit holds, read by {@link PassContents}), the {@link PassTimeline} (the
 * running pass, the last boundary, the prediction between observations), the {@link PassChain} (passes run
 * back to back, the duration sample), one rule per signal ({@link CompletionSignal}, {@link PushSignal},
 * {@link PollSignal}) and the {@link PassWatchdog}.
 */
final class PassTracker {

    /** The pass-time prediction the tracker runs on (the cluster's {@link PassTimeModel}). */
    @FunctionalInterface
    interface PassTime {
        long predict(long maxUnitTokens, long totalTokens, double attention);
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

    private final UnitQueues queues;
    private final PassTimeline timeline;
    private final PassWatchdog watchdog;
    private final CompletionSignal completions;
    private final PushSignal pushes;
    private final PollSignal polls;

    PassTracker(InstanceState inst) {
        this.queues = new UnitQueues(inst.units().size(), inst.units().get(0).chunkCapacity());
        PassChain chain = new PassChain();
        this.timeline = new PassTimeline(inst, queues, chain);
        this.watchdog = new PassWatchdog(queues, timeline);
        this.completions = new CompletionSignal(queues, timeline, chain, watchdog);
        this.pushes = new PushSignal(queues, timeline, watchdog);
        this.polls = new PollSignal(queues, timeline, watchdog);
    }

    boolean running() {
        return timeline.running();
    }

    long start() {
        return timeline.start();
    }

    /** Tokens of the running pass on its most loaded unit, and in all. */
    long takeMax() {
        return queues.takeMax();
    }

    long takeSum() {
        return queues.takeSum();
    }

    double takeAttention() {
        return timeline.takeAttention();
    }

    /** When the running pass is predicted to end. */
    long predictedEnd(PassTime passTime) {
        return timeline.predictedEnd(passTime);
    }

    /** Whether the estimate holds any work (queued, running or on its way). */
    boolean hasWork() {
        return timeline.hasWork();
    }

    /** The latest time any decision sent so far reaches the engine. */
    long lastArrival() {
        return queues.lastArrival();
    }

    // ---- decisions ----

    /** A decision: {@code tokens} for unit {@code unit} leave now and reach it after {@code latency}. */
    void send(int unit, long requestId, int tokens, long now, long latency) {
        if (!hasWork()) {
            watchdog.start(now);
        }
        long arrivesAt = queues.add(unit, requestId, tokens, now, latency);
        timeline.sent(unit, arrivesAt);
        timeline.publish(now);
    }

    /** A decision of this cycle was never sent; false when the request is not tracked. */
    boolean withdraw(long requestId, long now) {
        QueuedPrompt it = queues.withdraw(requestId);
        if (it == null) {
            return false;
        }
        timeline.withdrawn(it.unit, now);
        timeline.publish(now);
        return true;
    }

    /**
     * A request sent earlier left without a first token (its client went away, or the engine failed): the
     * engine drops it, so the estimate does too. False when the tracker does not follow it.
     */
    boolean abandon(long requestId, long now) {
        QueuedPrompt it = queues.abandon(requestId);
        if (it == null) {
            return false;
        }
        timeline.abandoned(it.unit);
        timeline.publish(now);
        return true;
    }

    // ---- the model between observations ----

    /**
     * Brings the estimate to {@code now}: passes whose predicted end has come are applied and the next ones
     * started. Returns how many boundaries the prediction alone decided.
     */
    int advance(long now, PassTime passTime) {
        int predicted = timeline.advance(now, passTime);
        timeline.publish(now);
        return predicted;
    }

    // ---- observations ----

    /**
     * A request's first token came back: the pass that ran its last chunk ended at {@code endedAt}. Returns
     * the boundary it established, or null when it told nothing new (a sibling of an observed end, or a
     * request the tracker does not follow).
     */
    Boundary onCompleted(long requestId, long endedAt, long now, long tolerance) {
        return completions.completed(requestId, endedAt, now, tolerance);
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
        return pushes.pushed(e, endedAt, now, tolerance, ours);
    }

    /**
     * A load poll sampled at {@code sampledAt}. Returns whether it moved the estimate: an idle engine has
     * finished everything that reached it before the sample; a unit with fewer waiting requests than the
     * estimate holds outside its running pass has started a pass the estimate has not.
     */
    boolean onPolled(UnitLoad[] loads, long sampledAt, long now, long pollPeriod, long arrivalMargin) {
        return polls.polled(loads, sampledAt, now, pollPeriod, arrivalMargin);
    }

    /** The earliest time the watchdog may fire, or {@link Long#MAX_VALUE} while the estimate holds no work. */
    long watchdogDeadline(long timeout, long meanForward, PassTime passTime) {
        return watchdog.deadline(timeout, meanForward, passTime);
    }

    /** The watchdog fired: the estimate is dropped and the instance counts as idle. */
    void forget(long now) {
        queues.forget(now);
        timeline.stop();
        watchdog.reset();
        timeline.publish(now);
    }
}
