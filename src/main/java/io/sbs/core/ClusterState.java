package io.sbs.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The scheduler's view of the cluster: instances and DP units per phase, their readiness, and one
 * {@link IntervalEstimator} per phase. Events from engines update it; dispatch strategies read it and
 * record their decisions in it.
 *
 * <p>Thread confinement: all calls from one thread (the dispatch loop's, or the simulator's).
 * Iteration order is registration order, so decisions are deterministic for a given event sequence.
 */
public final class ClusterState {

    private final Map<String, InstanceState> instances = new LinkedHashMap<>();
    private final Map<Phase, IntervalEstimator> intervals = new EnumMap<>(Phase.class);
    private final Map<Phase, PassTimeModel> passTimes = new EnumMap<>(Phase.class);
    private final DecodeStepCost decodeStepCost = new DecodeStepCost();
    private SchedulingPolicy policy;
    /** Whether a prefill decision charges its unit only the tokens left after the unit's cached prefix. */
    private boolean chargeUncachedTokens;
    /** The prefill pass-time prediction the trackers run on. */
    private final PassTracker.PassTime prefillPassTime = (max, sum, attention) -> passTimes.get(Phase.PREFILL)
            .predict(max, sum, attention, meanForwardNanos(Phase.PREFILL));

    public ClusterState(SchedulingPolicy policy) {
        this.policy = Objects.requireNonNull(policy);
        for (Phase p : Phase.values()) {
            intervals.put(p, new IntervalEstimator(policy.windowSamples(), policy.defaultInterval().toNanos(),
                    policy.minInterval().toNanos(), policy.maxInterval().toNanos()));
        }
        for (Phase p : Phase.values()) {
            passTimes.put(p, new PassTimeModel(Math.max(16, 2 * policy.windowSamples())));
        }
        applyIntervalSettings();
    }

    public SchedulingPolicy policy() {
        return policy;
    }

    /**
     * Replaces the policy settings (interval clamps and pin, watchdog, thresholds); dispatch strategies
     * read them on their next tick. The sliding windows keep their samples; a changed window length
     * starts new windows.
     */
    public void policy(SchedulingPolicy next) {
        boolean newWindow = next.windowSamples() != policy.windowSamples();
        this.policy = Objects.requireNonNull(next);
        if (newWindow) {
            for (Phase p : Phase.values()) {
                intervals.put(p, new IntervalEstimator(next.windowSamples(), next.defaultInterval().toNanos(),
                        next.minInterval().toNanos(), next.maxInterval().toNanos()));
            }
        }
        applyIntervalSettings();
    }

    private void applyIntervalSettings() {
        for (IntervalEstimator e : intervals.values()) {
            e.configure(policy.defaultInterval().toNanos(), policy.minInterval().toNanos(),
                    policy.maxInterval().toNanos(), policy.pinnedInterval().toNanos());
        }
    }

    /**
     * Whether prefill decisions are costed on the tokens each unit would compute, after the prefix its
     * cache view says it holds ({@link #computeTokens}), rather than on the whole prompt. The policy
     * registry sets it for the cache-aware strategies: the estimate of each unit's passes
     * ({@link PassTracker}, and through it the {@link PassTimeModel}'s samples) and the finish-time
     * arithmetic of {@link PassForecast} then count what the engine will run, not what it will skip.
     */
    public void chargeUncachedTokens(boolean on) {
        chargeUncachedTokens = on;
    }

    public boolean chargesUncachedTokens() {
        return chargeUncachedTokens;
    }

    /**
     * The prompt tokens a prefill request costs on {@code unit}: with {@link #chargeUncachedTokens} on, its
     * length less the leading blocks the unit's cache view holds (what the dispatcher has sent it, LRU); else
     * its length.
     */
    public int computeTokens(InferenceRequest r, DpUnitState unit) {
        return chargeUncachedTokens ? unit.uncachedTokens(r, policy.cacheBlockTokens()) : r.promptTokens();
    }

    /** Registers an instance of {@code dpUnits} units; ids are unique across phases. */
    public InstanceState addInstance(String id, Phase phase, int dpUnits, int chunkCapacity, long kvCapacity,
            int cacheBlocks) {
        if (instances.containsKey(id)) {
            throw new IllegalArgumentException("instance already registered: " + id);
        }
        InstanceState inst = new InstanceState(id, phase, dpUnits, chunkCapacity, kvCapacity, cacheBlocks);
        instances.put(id, inst);
        return inst;
    }

    public void removeInstance(String id) {
        instances.remove(id);
    }

    /** Whether an instance of this id is registered (signals may still come from removed ones). */
    public boolean contains(String id) {
        return instances.containsKey(id);
    }

    public InstanceState instance(String id) {
        InstanceState inst = instances.get(id);
        if (inst == null) {
            throw new IllegalArgumentException("unknown instance: " + id);
        }
        return inst;
    }

    public DpUnitState unit(DpUnitId id) {
        return instance(id.instanceId()).units().get(id.dpRank());
    }

    public List<InstanceState> instances(Phase phase) {
        List<InstanceState> out = new ArrayList<>();
        for (InstanceState i : instances.values()) {
            if (i.phase() == phase) {
                out.add(i);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The instances that should receive work: the healthy ones, or, when none is healthy but some are
     * only suspect (not draining), those, so that losing every signal degrades to watchdog-paced
     * dispatch instead of a deadlock.
     */
    public List<InstanceState> candidates(Phase phase) {
        List<InstanceState> healthy = new ArrayList<>();
        List<InstanceState> suspects = new ArrayList<>();
        for (InstanceState i : instances.values()) {
            if (i.phase() != phase || i.draining()) {
                continue;
            }
            (i.suspect() ? suspects : healthy).add(i);
        }
        return healthy.isEmpty() ? suspects : healthy;
    }

    /** {@code N}: healthy instances of the phase (at least 1, for the interval formula). */
    public int healthyInstances(Phase phase) {
        int n = 0;
        for (InstanceState i : instances.values()) {
            if (i.phase() == phase && i.healthy()) {
                n++;
            }
        }
        return n;
    }

    public IntervalEstimator interval(Phase phase) {
        return intervals.get(phase);
    }

    /** {@code T̄_fwd} of the phase, cold-start value included. */
    public long meanForwardNanos(Phase phase) {
        return intervals.get(phase).meanForwardNanos(() -> healthyInstances(phase));
    }

    /**
     * When the instance's running pass is predicted to end: its start plus the {@link PassTimeModel}'s
     * duration for the pass's tokens ({@code T̄_fwd} until passes are reported);
     * {@link Long#MIN_VALUE} when it is idle.
     */
    public long predictedPassEnd(InstanceState inst) {
        if (!inst.passRunning()) {
            return Long.MIN_VALUE;
        }
        if (inst.tracker != null) {
            return inst.tracker.predictedEnd(prefillPassTime);
        }
        return inst.passStartedNanos() + predictPass(inst.phase(), inst.runningPassMaxTokens(),
                inst.runningPassTotalTokens());
    }

    /**
     * Predicted duration of a pass of the phase whose most loaded unit holds {@code maxUnitTokens} of
     * {@code totalTokens} ({@link PassTimeModel}; {@code T̄_fwd} before any pass was measured).
     */
    public long predictPass(Phase phase, long maxUnitTokens, long totalTokens) {
        return predictPass(phase, maxUnitTokens, totalTokens, 0);
    }

    /** {@link #predictPass(Phase, long, long)} with the straggler's attention ({@link PassTimeModel#attention}). */
    public long predictPass(Phase phase, long maxUnitTokens, long totalTokens, double attention) {
        return passTimes.get(phase).predict(maxUnitTokens, totalTokens, attention, meanForwardNanos(phase));
    }

    /**
     * How long before a predicted pass end a top-up must be sent to land in time: {@code τ_net} (with its
     * tail, {@link #dispatchLatencyBoundNanos}) plus a
     * guard of {@code dispatchGuardSigmas} standard deviations of the pass-time prediction error, at
     * least {@code dispatchGuardFraction} of {@code T̄_fwd} (10% of it until enough passes are reported).
     */
    public long dispatchHorizonNanos(Phase phase) {
        long meanForward = meanForwardNanos(phase);
        long floor = (long) (policy.dispatchGuardFraction() * meanForward);
        return dispatchLatencyBoundNanos(phase) + Math.max(floor, (long) (policy.dispatchGuardSigmas() * predictionSigma(phase)));
    }

    /**
     * The latest a top-up may be sent before a predicted pass end: {@code τ_net} (with its tail) plus 1.5 standard
     * deviations of the prediction error. Later than that it would miss the pass more often than one
     * time in fifteen and wait a whole pass on the device, while the buffer's next chance, another
     * instance's boundary, is on average only {@code T̄_fwd / 2N} away.
     */
    long latestTopUpNanos(Phase phase) {
        return Math.min(dispatchHorizonNanos(phase), dispatchLatencyBoundNanos(phase) + (long) (1.5 * predictionSigma(phase)));
    }

    /** Standard deviation of the pass-time prediction error ({@code T̄_fwd / 10} until enough passes are measured). */
    long predictionSigmaNanos(Phase phase) {
        return predictionSigma(phase);
    }

    private long predictionSigma(Phase phase) {
        return passTimes.get(phase).residualStdNanos(meanForwardNanos(phase) / 10);
    }

    /**
     * Whether a dispatch at {@code now} should go to the instance: it is idle, or its running pass is
     * predicted to end between {@link #latestTopUpNanos} and {@link #dispatchHorizonNanos} from now.
     */
    public boolean ready(InstanceState inst, long now) {
        if (!inst.passRunning()) {
            return true;
        }
        long untilEnd = predictedPassEnd(inst) - now;
        return untilEnd <= dispatchHorizonNanos(inst.phase()) && untilEnd >= latestTopUpNanos(inst.phase());
    }

    /** {@code Δ} of the phase now. */
    public long intervalNanos(Phase phase) {
        return intervals.get(phase).intervalNanos(Math.max(1, healthyInstances(phase)));
    }

    public long dispatchLatencyNanos(Phase phase) {
        return intervals.get(phase).meanDispatchLatencyNanos();
    }

    /**
     * {@code τ_net} with its slow tail: the slowest recent dispatch ({@link IntervalEstimator}), at most
     * half of {@code T̄_fwd}. One outlier (a pause of the dispatcher's process) would otherwise push every
     * top-up window a whole outlier ahead of the pass ends for a window of samples; a dispatch path slower
     * than half a pass cannot be staggered against pass ends anyway.
     */
    public long dispatchLatencyBoundNanos(Phase phase) {
        return Math.min(intervals.get(phase).dispatchLatencyBoundNanos(), meanForwardNanos(phase) / 2);
    }

    long watchdogTimeout(Phase phase) {
        return (long) (policy.watchdogFactor() * meanForwardNanos(phase));
    }

    /** Records a decision: the request's tokens count against its unit, the instance's readiness updates. */
    public void recordDispatch(Assignment a, Phase phase, long now) {
        InstanceState inst = instance(a.unit().instanceId());
        DpUnitState unit = inst.units().get(a.unit().dpRank());
        if (phase == Phase.PREFILL) {
            unit.dispatchPrefill(a.request().promptTokens());
            // costed before the unit remembers the prompt's blocks, which would make it a full hit
            int compute = computeTokens(a.request(), unit);
            unit.rememberBlocks(a.request().blockHashes());
            inst.tracker.send(a.unit().dpRank(), a.request().id(), compute, now, dispatchLatencyNanos(phase));
            armWatchdog(inst);
        } else {
            unit.dispatchDecode(a.request().totalTokens());
            TripleCheckReadiness.onDispatch(inst, now, dispatchLatencyNanos(phase), watchdogTimeout(phase));
        }
    }

    /**
     * Undoes {@link #recordDispatch} for a prefill decision that was never sent: its tokens no longer
     * count, and an instance it would have woken from idle is idle again when nothing else was sent to it.
     */
    public void withdrawDispatch(Assignment a, long now) {
        InstanceState inst = instances.get(a.unit().instanceId());
        if (inst == null || inst.tracker == null) {
            return;
        }
        inst.units().get(a.unit().dpRank()).completePrefill(a.request().promptTokens());
        inst.tracker.withdraw(a.request().id(), now);
        armWatchdog(inst);
    }

    public void recordDispatchLatency(Phase phase, long latencyNanos) {
        intervals.get(phase).recordDispatchLatency(latencyNanos);
    }

    /** EndForward from a prefill instance. Unknown instances are ignored (they may have been removed). */
    public void onForwardEnded(ForwardEndedEvent e, long now) {
        forwardEnded(e, now, true);
    }

    /**
     * EndForward from a prefill instance that another node dispatches to: this node stands by (hot standby).
     * The pass teaches {@code T̄_fwd} and the pass-time model, and the instance's estimate takes the
     * engine's queues as reported, as from any push; but the tokens the engine says it received came from
     * the leader, so none of them is this node's work arriving, and what this node sent itself (while it
     * led) counts as arrived long ago. Its watchdog is left alone: it is armed by the node's own dispatches.
     */
    public void observeForwardEnded(ForwardEndedEvent e, long now) {
        forwardEnded(e, now, false);
    }

    private void forwardEnded(ForwardEndedEvent e, long now, boolean ours) {
        InstanceState inst = instances.get(e.instanceId());
        if (inst == null) {
            return;
        }
        intervals.get(inst.phase()).recordForwardPass(e.durationNanos(), true);
        // the pass the push reports is the one the estimate was running: its attention is the estimate's
        double attention = inst.tracker != null && inst.tracker.running() ? inst.tracker.takeAttention() : 0;
        passTimes.get(inst.phase()).record(max(e.passTokens()), sum(e.passTokens()), attention, e.durationNanos());
        TripleCheckReadiness.heard(inst, now);
        if (inst.tracker != null
                && inst.tracker.onPush(e, e.endedAtNanos(), now, boundaryTolerance(inst.phase()), ours)) {
            inst.countReadiness(ReadinessSource.PUSH, 1);
            if (ours) {
                armWatchdog(inst);
            }
        }
    }

    /**
     * The leader's published {@code T̄_fwd} of {@code phase}, taken while this node's own window is empty
     * ({@link IntervalEstimator#prior}); {@code fromPushes} when the leader's came from EndForward pushes.
     */
    public void priorForward(Phase phase, long meanForwardNanos, boolean fromPushes) {
        intervals.get(phase).prior(meanForwardNanos, fromPushes);
    }

    /** Whether {@code T̄_fwd} of {@code phase} comes from EndForward pushes ({@link IntervalEstimator#forwardFromPushes}). */
    public boolean forwardFromPushes(Phase phase) {
        return intervals.get(phase).forwardFromPushes();
    }

    /** EndForward from a decode instance. */
    public void onDecodeStepEnded(DecodeStepEndedEvent e, long now) {
        InstanceState inst = instances.get(e.instanceId());
        if (inst == null) {
            return;
        }
        intervals.get(inst.phase()).recordForwardPass(e.durationNanos());
        List<DpUnitState> units = inst.units();
        boolean busy = false;
        for (int d = 0; d < units.size() && d < e.batch().length; d++) {
            units.get(d).reportDecode(e.batch()[d], e.kvTokens()[d], e.receivedRequests()[d],
                    e.receivedKvTokens()[d]);
            busy |= e.batch()[d] > 0;
        }
        TripleCheckReadiness.onStepEnded(inst, now, e.endedAtNanos(), busy, watchdogTimeout(inst.phase()));
    }

    /**
     * Quiescence polling with no detail: {@code idle} when no unit has a request running or waiting. An
     * idle engine is ready at once; a busy one only counts as a sign of life.
     */
    public void onLoadPolled(String instanceId, boolean idle, long sampledAt, long now) {
        InstanceState inst = instances.get(instanceId);
        if (inst == null) {
            return;
        }
        if (idle) {
            onLoadPolled(new LoadPolledEvent(instanceId, sampledAt, 0, UnitLoad.idle(inst.units().size())), now);
        } else {
            TripleCheckReadiness.heard(inst, now);
        }
    }

    /**
     * A load poll of a prefill instance, unit by unit: an idle engine has finished everything that reached
     * it before the sample; fewer waiting requests than the estimate holds outside its running pass mean
     * the engine began a pass the estimate has not ({@link PassTracker#onPolled}).
     */
    public void onLoadPolled(LoadPolledEvent e, long now) {
        InstanceState inst = instances.get(e.instanceId());
        if (inst == null) {
            return;
        }
        TripleCheckReadiness.heard(inst, now);
        if (inst.tracker == null) {
            return;
        }
        advance(inst, now);
        if (inst.tracker.onPolled(e.units(), e.sampledAtNanos(), now, e.periodNanos(),
                dispatchLatencyBoundNanos(inst.phase()))) {
            inst.countReadiness(ReadinessSource.POLL, 1);
        }
        armWatchdog(inst);
    }

    /**
     * A prefill request's first token came back at {@code observedAt} (with P/D: the prefill server's
     * answer): router-side accounting, and for the instance's estimate a pass end, the one that ran the
     * request's last chunk, a return path ({@code τ_net}) earlier.
     */
    public void onPrefillCompleted(DpUnitId unit, long requestId, int promptTokens, long observedAt, long now) {
        InstanceState inst = instances.get(unit.instanceId());
        if (inst == null) {
            return;
        }
        unit(unit).completePrefill(promptTokens);
        TripleCheckReadiness.heard(inst, now);
        if (inst.tracker == null) {
            return;
        }
        advance(inst, now);
        long endedAt = observedAt - dispatchLatencyNanos(inst.phase());
        PassTracker.Boundary b = inst.tracker.onCompleted(requestId, endedAt, now, boundaryTolerance(inst.phase()));
        if (b != null) {
            inst.countReadiness(ReadinessSource.COMPLETION, 1);
            if (b.durationNanos() > 0) {
                int k = Math.max(1, b.passes());
                long each = b.durationNanos() / k;
                for (int i = 0; i < k; i++) {
                    intervals.get(inst.phase()).recordForwardPass(each);
                }
                passTimes.get(inst.phase()).record(Math.round(b.maxTokens() / (double) k),
                        Math.round(b.totalTokens() / (double) k), b.attention() / k, each);
            }
        }
        armWatchdog(inst);
    }

    /**
     * A prefill request left its unit without a first token (its client went away, or the engine failed):
     * it no longer counts, and the instance's estimate drops it (an engine aborts a request whose client
     * left), which tells nothing about the passes.
     */
    public void onPrefillReleased(DpUnitId unit, long requestId, int promptTokens, long now) {
        InstanceState inst = instances.get(unit.instanceId());
        if (inst == null) {
            return;
        }
        unit(unit).completePrefill(promptTokens);
        if (inst.tracker != null && inst.tracker.abandon(requestId, now)) {
            armWatchdog(inst);
        }
    }

    /**
     * Brings every prefill estimate of the phase to {@code now}: passes whose predicted end has come are
     * over and the next ones started. Dispatch strategies call it before they read readiness or capacity.
     */
    public void advance(Phase phase, long now) {
        if (phase != Phase.PREFILL) {
            return;
        }
        for (InstanceState i : instances.values()) {
            if (i.tracker != null) {
                advance(i, now);
            }
        }
    }

    private void advance(InstanceState inst, long now) {
        int predicted = inst.tracker.advance(now, prefillPassTime);
        if (predicted > 0) {
            inst.countReadiness(ReadinessSource.PREDICTION, predicted);
            armWatchdog(inst);
        }
    }

    /** Completions (or pushes) of one pass land within this of each other; further apart, they are two passes. */
    private long boundaryTolerance(Phase phase) {
        return Math.max(1, meanForwardNanos(phase) / 4);
    }

    private void armWatchdog(InstanceState inst) {
        inst.watchdogDeadlineNanos = inst.tracker.watchdogDeadline(watchdogTimeout(inst.phase()),
                meanForwardNanos(inst.phase()), prefillPassTime);
    }

    /**
     * A decode decision was withdrawn before it was sent: its {@code kvTokens} and batch slot leave the
     * unit's in-flight account ({@link DpUnitState#releaseDecode}).
     */
    public void releaseDecode(DpUnitId unit, long kvTokens) {
        if (instances.containsKey(unit.instanceId())) {
            unit(unit).releaseDecode(kvTokens);
        }
    }

    /**
     * A decode step of {@code stepNanos} seen on {@code instanceId} (the gap between two tokens of one of its
     * streams, or the simulator's step end): paired with this view of its units, it teaches
     * {@link #decodeStepCost()}.
     */
    public void onDecodeStepTimed(String instanceId, long stepNanos) {
        InstanceState inst = instances.get(instanceId);
        if (inst == null || inst.phase() != Phase.DECODE) {
            return;
        }
        List<DpUnitState> units = inst.units();
        int[] b = new int[units.size()];
        long[] k = new long[units.size()];
        for (int d = 0; d < b.length; d++) {
            b[d] = units.get(d).batchSize();
            k[d] = units.get(d).kvTokens();
        }
        decodeStepCost.observe(stepNanos, b, k);
    }

    /** What a running request costs a decode step in KV tokens, as learned from step times. */
    public DecodeStepCost decodeStepCost() {
        return decodeStepCost;
    }

    /** A decode request finished (router-side accounting). */
    public void onDecodeCompleted(DpUnitId unit) {
        if (instances.containsKey(unit.instanceId())) {
            unit(unit).completeDecode();
        }
    }

    private static long max(long[] values) {
        long m = 0;
        for (long v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    /**
     * Brings the phase's estimates to {@code now} ({@link #advance}) and runs every armed watchdog; returns
     * the instances whose watchdog fired.
     */
    public List<InstanceState> checkWatchdogs(Phase phase, long now) {
        advance(phase, now);
        List<InstanceState> fired = new ArrayList<>(0);
        for (InstanceState i : instances.values()) {
            if (i.phase() == phase && TripleCheckReadiness.checkWatchdog(i, now, policy.suspectAfterFires())) {
                fired.add(i);
            }
        }
        return fired;
    }

    /** The earliest armed watchdog deadline of the phase, or {@link Long#MAX_VALUE}. */
    public long nextWatchdogDeadline(Phase phase) {
        long next = Long.MAX_VALUE;
        for (InstanceState i : instances.values()) {
            if (i.phase() == phase) {
                next = Math.min(next, i.watchdogDeadlineNanos());
            }
        }
        return next;
    }
}
