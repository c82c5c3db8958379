package io.sbs.core;

/**
 * The prefill phase's part of the {@link ClusterState}: besides what every phase keeps ({@link PhaseSide}),
 * each instance's pass estimate ({@link PassTracker}), fed by the dispatcher's decisions and by the engine's
 * signals, each boundary counted by the signal that established it ({@link ReadinessSource}), and the
 * instance's watchdog re-armed after every change. Passes a first token measures teach {@code T̄_fwd} and the
 * pass-time model. Same thread confinement as the cluster state; nanoseconds.
 */
final class PrefillSide extends PhaseSide {

    /** Whether a prefill decision charges its unit only the tokens left after the unit's cached prefix. */
    private boolean chargeUncachedTokens;

    PrefillSide(SchedulingPolicy policy) {
        super(policy);
    }

    /**
     * Whether prefill decisions are costed on the tokens each unit would compute, after the prefix its
     * cache view says it holds ({@link #computeTokens}), rather than on the whole prompt. The policy
     * registry sets it for the cache-aware strategies: the estimate of each unit's passes
     * ({@link PassTracker}, and through it the {@link PassTimeModel}'s samples) and the finish-time
     * arithmetic of {@link PassForecast} then count what the engine will run, not what it will skip.
     */
    void chargeUncachedTokens(boolean on) {
        chargeUncachedTokens = on;
    }

    boolean chargesUncachedTokens() {
        return chargeUncachedTokens;
    }

    /**
     * The prompt tokens a prefill request costs on {@code unit}: with {@link #chargeUncachedTokens} on, its
     * length less the leading blocks the unit's cache view holds (what the dispatcher has sent it, LRU); else
     * its length.
     */
    int computeTokens(InferenceRequest r, DpUnitState unit) {
        return chargeUncachedTokens ? unit.uncachedTokens(r, policy().cacheBlockTokens()) : r.promptTokens();
    }

    /** A decision for {@code unit} of {@code inst} left at {@code now}: its tokens count, its estimate learns. */
    void dispatched(InstanceState inst, DpUnitState unit, Assignment a, long now) {
        unit.dispatchPrefill(a.request().promptTokens());
        // costed before the unit remembers the prompt's blocks, which would make it a full hit
        int compute = computeTokens(a.request(), unit);
        unit.rememberBlocks(a.request().blockHashes());
        inst.tracker.send(a.unit().dpRank(), a.request().id(), compute, now, dispatchLatencyNanos());
        armWatchdog(inst);
    }

    /**
     * A decision that was never sent, for an instance with an estimate: an instance it would have woken from
     * idle is idle again when nothing else was sent to it.
     */
    void withdrawn(InstanceState inst, long requestId, long now) {
        inst.tracker.withdraw(requestId, now);
        armWatchdog(inst);
    }

    /**
     * An EndForward push's account of the engine's queues, for an instance with an estimate. With
     * {@code ours} false another node dispatches to the engine and this one stands by (hot standby): the
     * estimate takes the engine's queues as reported, but none of the tokens the engine received is this
     * node's work arriving, and the watchdog is left alone: it is armed by the node's own dispatches.
     */
    void pushed(InstanceState inst, ForwardEndedEvent e, long now, boolean ours) {
        if (inst.tracker.onPush(e, e.endedAtNanos(), now, boundaryTolerance(), ours)) {
            inst.countReadiness(ReadinessSource.PUSH, 1);
            if (ours) {
                armWatchdog(inst);
            }
        }
    }

    /**
     * A load poll, unit by unit, for an instance with an estimate: an idle engine has finished everything
     * that reached it before the sample; fewer waiting requests than the estimate holds outside its running
     * pass mean the engine began a pass the estimate has not ({@link PassTracker#onPolled}).
     */
    void polled(InstanceState inst, LoadPolledEvent e, long now) {
        advance(inst, now);
        if (inst.tracker.onPolled(e.units(), e.sampledAtNanos(), now, e.periodNanos(), dispatchLatencyBoundNanos())) {
            inst.countReadiness(ReadinessSource.POLL, 1);
        }
        armWatchdog(inst);
    }

    /**
     * A request's first token came back at {@code observedAt}, for an instance with an estimate: a pass end,
     * the one that ran the request's last chunk, a return path ({@code τ_net}) earlier.
     */
    void completed(InstanceState inst, long requestId, long observedAt, long now) {
        advance(inst, now);
        long endedAt = observedAt - dispatchLatencyNanos();
        PassTracker.Boundary b = inst.tracker.onCompleted(requestId, endedAt, now, boundaryTolerance());
        if (b != null) {
            inst.countReadiness(ReadinessSource.COMPLETION, 1);
            if (b.durationNanos() > 0) {
                int k = Math.max(1, b.passes());
                long each = b.durationNanos() / k;
                for (int i = 0; i < k; i++) {
                    interval().recordForwardPass(each);
                }
                passTimes().record(Math.round(b.maxTokens() / (double) k),
                        Math.round(b.totalTokens() / (double) k), b.attention() / k, each);
            }
        }
        armWatchdog(inst);
    }

    /**
     * A request left without a first token, for an instance with an estimate: the estimate drops it (an
     * engine aborts a request whose client left), which tells nothing about the passes.
     */
    void released(InstanceState inst, long requestId, long now) {
        if (inst.tracker.abandon(requestId, now)) {
            armWatchdog(inst);
        }
    }

    /**
     * Brings every estimate to {@code now}: passes whose predicted end has come are over and the next ones
     * started.
     */
    void advance(long now) {
        for (InstanceState i : all()) {
            if (i.tracker != null) {
                advance(i, now);
            }
        }
    }

    private void advance(InstanceState inst, long now) {
        int predicted = inst.tracker.advance(now, passTime);
        if (predicted > 0) {
            inst.countReadiness(ReadinessSource.PREDICTION, predicted);
            armWatchdog(inst);
        }
    }

    /** Completions (or pushes) of one pass land within this of each other; further apart, they are two passes. */
    private long boundaryTolerance() {
        return Math.max(1, meanForwardNanos() / 4);
    }

    private void armWatchdog(InstanceState inst) {
        inst.watchdogDeadlineNanos = inst.tracker.watchdogDeadline(watchdogTimeout(), meanForwardNanos(), passTime);
    }
}
