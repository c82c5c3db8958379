package io.sbs.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The scheduler's view of the cluster: instances and DP units per phase, their readiness, and one
 * {@link IntervalEstimator} per phase. Events from engines update it; dispatch strategies read it and
 * record their decisions in it. Each phase keeps its own part ({@link PrefillSide}, {@link DecodeSide}):
 * its instances, its estimators and what only that phase does; this class routes to the part of the
 * phase asked for, or of the instance's phase.
 *
 * <p>Thread confinement: all calls from one thread (the dispatch loop's, or the simulator's).
 * Iteration order is registration order, so decisions are deterministic for a given event sequence.
 */
public final class ClusterState {

    /** Every instance by id, for lookups; each phase's part iterates its own. */
    private final Map<String, InstanceState> instances = new LinkedHashMap<>();
    private final PrefillSide prefill;
    private final DecodeSide decode;

    public ClusterState(SchedulingPolicy policy) {
        Objects.requireNonNull(policy);
        this.prefill = new PrefillSide(policy);
        this.decode = new DecodeSide(policy);
    }

    private PhaseSide side(Phase phase) {
        return phase == Phase.PREFILL ? prefill : decode;
    }

    public SchedulingPolicy policy() {
        return prefill.policy();
    }

    /**
     * Replaces the policy settings (interval clamps and pin, watchdog, thresholds); dispatch strategies
     * read them on their next tick. The sliding windows keep their samples; a changed window length
     * starts new windows.
     */
    public void policy(SchedulingPolicy next) {
        prefill.policy(Objects.requireNonNull(next));
        decode.policy(next);
    }

    /**
     * Whether prefill decisions are costed on the tokens each unit would compute, after the prefix its
     * cache view says it holds, rather than on the whole prompt ({@link PrefillSide#chargeUncachedTokens}).
     */
    public void chargeUncachedTokens(boolean on) {
        prefill.chargeUncachedTokens(on);
    }

    public boolean chargesUncachedTokens() {
        return prefill.chargesUncachedTokens();
    }

    /** The prompt tokens a prefill request costs on {@code unit} ({@link PrefillSide#computeTokens}). */
    public int computeTokens(InferenceRequest r, DpUnitState unit) {
        return prefill.computeTokens(r, unit);
    }

    /** Registers an instance of {@code dpUnits} units; ids are unique across phases. */
    public InstanceState addInstance(String id, Phase phase, int dpUnits, int chunkCapacity, long kvCapacity,
            int cacheBlocks) {
        if (instances.containsKey(id)) {
            throw new IllegalArgumentException("instance already registered: " + id);
        }
        InstanceState inst = new InstanceState(id, phase, dpUnits, chunkCapacity, kvCapacity, cacheBlocks);
        instances.put(id, inst);
        side(phase).add(inst);
        return inst;
    }

    public void removeInstance(String id) {
        InstanceState inst = instances.remove(id);
        if (inst != null) {
            side(inst.phase()).remove(id);
        }
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
        return side(phase).instances();
    }

    /** The instances that should receive work: the healthy, else the suspect ({@link PhaseSide#candidates}). */
    public List<InstanceState> candidates(Phase phase) {
        return side(phase).candidates();
    }

    /** {@code N}: healthy instances of the phase (at least 1, for the interval formula). */
    public int healthyInstances(Phase phase) {
        return side(phase).healthyInstances();
    }

    public IntervalEstimator interval(Phase phase) {
        return side(phase).interval();
    }

    /** {@code T̄_fwd} of the phase, cold-start value included. */
    public long meanForwardNanos(Phase phase) {
        return side(phase).meanForwardNanos();
    }

    /** When the instance's running pass is predicted to end ({@link PhaseSide#predictedPassEnd}). */
    public long predictedPassEnd(InstanceState inst) {
        return side(inst.phase()).predictedPassEnd(inst);
    }

    /** Predicted duration of a pass of the phase of these tokens ({@link PhaseSide#predictPass}). */
    public long predictPass(Phase phase, long maxUnitTokens, long totalTokens) {
        return predictPass(phase, maxUnitTokens, totalTokens, 0);
    }

    /** {@link #predictPass(Phase, long, long)} with the straggler's attention. */
    public long predictPass(Phase phase, long maxUnitTokens, long totalTokens, double attention) {
        return side(phase).predictPass(maxUnitTokens, totalTokens, attention);
    }

    /** How long before a predicted pass end a top-up must leave ({@link PhaseSide#dispatchHorizonNanos}). */
    public long dispatchHorizonNanos(Phase phase) {
        return side(phase).dispatchHorizonNanos();
    }

    /** The latest a top-up may be sent before a predicted pass end ({@link PhaseSide#latestTopUpNanos}). */
    long latestTopUpNanos(Phase phase) {
        return side(phase).latestTopUpNanos();
    }

    /** Standard deviation of the pass-time prediction error ({@link PhaseSide#predictionSigmaNanos}). */
    long predictionSigmaNanos(Phase phase) {
        return side(phase).predictionSigmaNanos();
    }

    /** Whether a dispatch at {@code now} should go to the instance ({@link PhaseSide#ready}). */
    public boolean ready(InstanceState inst, long now) {
        return side(inst.phase()).ready(inst, now);
    }

    /** {@code Δ} of the phase now. */
    public long intervalNanos(Phase phase) {
        return side(phase).intervalNanos();
    }

    public long dispatchLatencyNanos(Phase phase) {
        return side(phase).dispatchLatencyNanos();
    }

    /** {@code τ_net} with its slow tail ({@link PhaseSide#dispatchLatencyBoundNanos}). */
    public long dispatchLatencyBoundNanos(Phase phase) {
        return side(phase).dispatchLatencyBoundNanos();
    }

    /** Records a decision: the request's tokens count against its unit, the instance's readiness updates. */
    public void recordDispatch(Assignment a, Phase phase, long now) {
        InstanceState inst = instance(a.unit().instanceId());
        DpUnitState unit = inst.units().get(a.unit().dpRank());
        if (phase == Phase.PREFILL) {
            prefill.dispatched(inst, unit, a, now);
        } else {
            decode.dispatched(inst, unit, a, now);
        }
    }

    /** Undoes {@link #recordDispatch} for a prefill decision never sent ({@link PrefillSide#withdrawn}). */
    public void withdrawDispatch(Assignment a, long now) {
        InstanceState inst = instances.get(a.unit().instanceId());
        if (inst == null || inst.tracker == null) {
            return;
        }
        inst.units().get(a.unit().dpRank()).completePrefill(a.request().promptTokens());
        prefill.withdrawn(inst, a.request().id(), now);
    }

    public void recordDispatchLatency(Phase phase, long latencyNanos) {
        side(phase).interval().recordDispatchLatency(latencyNanos);
    }

    /** EndForward from a prefill instance. Unknown instances are ignored (they may have been removed). */
    public void onForwardEnded(ForwardEndedEvent e, long now) {
        forwardEnded(e, now, true);
    }

    /** EndForward from a prefill instance another node dispatches to (hot standby; {@link PrefillSide#pushed}). */
    public void observeForwardEnded(ForwardEndedEvent e, long now) {
        forwardEnded(e, now, false);
    }

    private void forwardEnded(ForwardEndedEvent e, long now, boolean ours) {
        InstanceState inst = instances.get(e.instanceId());
        if (inst == null) {
            return;
        }
        side(inst.phase()).recordPush(inst, e);
        TripleCheckReadiness.heard(inst, now);
        if (inst.tracker != null) {
            prefill.pushed(inst, e, now, ours);
        }
    }

    /**
     * The leader's published {@code T̄_fwd} of {@code phase}, taken while this node's own window is empty
     * ({@link IntervalEstimator#prior}); {@code fromPushes} when the leader's came from EndForward pushes.
     */
    public void priorForward(Phase phase, long meanForwardNanos, boolean fromPushes) {
        side(phase).interval().prior(meanForwardNanos, fromPushes);
    }

    /** Whether {@code T̄_fwd} of the phase comes from pushes ({@link IntervalEstimator#forwardFromPushes}). */
    public boolean forwardFromPushes(Phase phase) {
        return side(phase).interval().forwardFromPushes();
    }

    /** EndForward from a decode instance. */
    public void onDecodeStepEnded(DecodeStepEndedEvent e, long now) {
        InstanceState inst = instances.get(e.instanceId());
        if (inst != null) {
            side(inst.phase()).stepEnded(inst, e, now);
        }
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

    /** A load poll, unit by unit: a sign of life, and for a prefill estimate {@link PrefillSide#polled}. */
    public void onLoadPolled(LoadPolledEvent e, long now) {
        InstanceState inst = instances.get(e.instanceId());
        if (inst == null) {
            return;
        }
        TripleCheckReadiness.heard(inst, now);
        if (inst.tracker != null) {
            prefill.polled(inst, e, now);
        }
    }

    /**
     * A prefill request's first token came back at {@code observedAt} (with P/D: the prefill server's
     * answer): router-side accounting, and for the instance's estimate a pass end ({@link PrefillSide#completed}).
     */
    public void onPrefillCompleted(DpUnitId unit, long requestId, int promptTokens, long observedAt, long now) {
        InstanceState inst = instances.get(unit.instanceId());
        if (inst == null) {
            return;
        }
        unit(unit).completePrefill(promptTokens);
        TripleCheckReadiness.heard(inst, now);
        if (inst.tracker != null) {
            prefill.completed(inst, requestId, observedAt, now);
        }
    }

    /**
     * A prefill request left its unit without a first token (its client went away, or the engine failed):
     * it no longer counts, and the instance's estimate drops it ({@link PrefillSide#released}).
     */
    public void onPrefillReleased(DpUnitId unit, long requestId, int promptTokens, long now) {
        InstanceState inst = instances.get(unit.instanceId());
        if (inst == null) {
            return;
        }
        unit(unit).completePrefill(promptTokens);
        if (inst.tracker != null) {
            prefill.released(inst, requestId, now);
        }
    }

    /** Brings the phase's prefill estimates to {@code now}; strategies call it before reading readiness. */
    public void advance(Phase phase, long now) {
        if (phase == Phase.PREFILL) {
            prefill.advance(now);
        }
    }

    /** A decode decision withdrawn before it was sent leaves the unit's account ({@link DpUnitState#releaseDecode}). */
    public void releaseDecode(DpUnitId unit, long kvTokens) {
        if (instances.containsKey(unit.instanceId())) {
            unit(unit).releaseDecode(kvTokens);
        }
    }

    /**
     * A decode step of {@code stepNanos} seen on {@code instanceId} (the gap between two tokens of one of its
     * streams, or the simulator's step end): with its units' load, it teaches {@link #decodeStepCost()}.
     */
    public void onDecodeStepTimed(String instanceId, long stepNanos) {
        InstanceState inst = instances.get(instanceId);
        if (inst != null && inst.phase() == Phase.DECODE) {
            decode.stepTimed(inst, stepNanos);
        }
    }

    /** What a running request costs a decode step in KV tokens, as learned from step times. */
    public DecodeStepCost decodeStepCost() {
        return decode.decodeStepCost();
    }

    /** A decode request finished (router-side accounting). */
    public void onDecodeCompleted(DpUnitId unit) {
        if (instances.containsKey(unit.instanceId())) {
            unit(unit).completeDecode();
        }
    }

    /** Brings the phase's estimates to {@code now} ({@link #advance}), runs its watchdogs; returns those that fired. */
    public List<InstanceState> checkWatchdogs(Phase phase, long now) {
        advance(phase, now);
        return side(phase).checkWatchdogs(now);
    }

    /** The earliest armed watchdog deadline of the phase, or {@link Long#MAX_VALUE}. */
    public long nextWatchdogDeadline(Phase phase) {
        return side(phase).nextWatchdogDeadline();
    }
}
