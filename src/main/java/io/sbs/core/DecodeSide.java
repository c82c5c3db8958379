package io.sbs.core;

import java.util.List;

/**
 * The decode phase's part of the {@link ClusterState}: besides what every phase keeps ({@link PhaseSide}),
 * the decode step cost learned from step times paired with the units' batches and KV, and the decode units'
 * router-side accounting. Same thread confinement as the cluster state; nanoseconds.
 */
final class DecodeSide extends PhaseSide {

    private final DecodeStepCost decodeStepCost = new DecodeStepCost();

    DecodeSide(SchedulingPolicy policy) {
        super(policy);
    }

    /** A decode decision for {@code unit} of {@code inst} left at {@code now}. */
    void dispatched(InstanceState inst, DpUnitState unit, Assignment a, long now) {
        unit.dispatchDecode(a.request().totalTokens());
        TripleCheckReadiness.onDispatch(inst, now, dispatchLatencyNanos(), watchdogTimeout());
    }

    /** {@link ClusterState#onDecodeStepTimed}, for a decode instance. */
    void stepTimed(InstanceState inst, long stepNanos) {
        List<DpUnitState> units = inst.units();
        int[] b = new int[units.size()];
        long[] k = new long[units.size()];
        for (int d = 0; d < b.length; d++) {
            b[d] = units.get(d).batchSize();
            k[d] = units.get(d).kvTokens();
        }
        decodeStepCost.observe(stepNanos, b, k);
    }

    DecodeStepCost decodeStepCost() {
        return decodeStepCost;
    }
}
