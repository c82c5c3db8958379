package io.sbs.core;

import org.jspecify.annotations.Nullable;

/**
 * Baseline: earliest finish time, the pass-aware immediate policy (SPEC.md section 9): binds the request
 * at arrival to the DP unit where it is predicted to finish first.
 *
 * <p>Implementation notes. Model: an instance's next pass starts at its predicted pass end
 * (its start plus the pass-time model's prediction, see {@link ClusterState#predictedPassEnd}) when running, or on arrival ({@code now + τ_net}) when idle; a unit holding
 * {@code q} queued tokens (in flight plus backlog) finishes a new prompt of {@code len} tokens at the end
 * of pass {@code ceil((q + len) / C_max)}, each pass taking {@code T̄_fwd}. Ties go to the unit with fewer
 * queued tokens, then the earlier unit. It is the strongest honest immediate baseline: it knows the pass
 * structure but, binding at arrival, cannot pack a window.
 */
public final class EarliestFinishTimePolicy implements RoutingPolicy {

    @Override
    public @Nullable DpUnitId route(InferenceRequest request, ClusterState cluster, long now) {
        long meanForward = cluster.meanForwardNanos(Phase.PREFILL);
        long arrival = now + cluster.dispatchLatencyNanos(Phase.PREFILL);
        DpUnitState best = null;
        long bestFinish = Long.MAX_VALUE;
        long bestQueued = Long.MAX_VALUE;
        for (InstanceState inst : cluster.candidates(Phase.PREFILL)) {
            long nextStart = inst.passRunning()
                    ? Math.max(arrival, cluster.predictedPassEnd(inst))
                    : arrival;
            for (DpUnitState u : inst.units()) {
                long queued = Math.max(0, u.inflightTokens() + u.deviceBacklogTokens());
                long passes = (queued + request.promptTokens() + u.chunkCapacity() - 1) / u.chunkCapacity();
                long finish = nextStart + passes * meanForward;
                if (finish < bestFinish || (finish == bestFinish && queued < bestQueued)) {
                    best = u;
                    bestFinish = finish;
                    bestQueued = queued;
                }
            }
        }
        return best == null ? null : best.id();
    }
}
