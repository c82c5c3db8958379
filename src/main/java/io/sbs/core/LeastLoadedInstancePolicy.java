package io.sbs.core;

import org.jspecify.annotations.Nullable;

/**
 * Baseline: the instance with the fewest outstanding prompt tokens, then its DP unit with the fewest;
 * what an instance-level router does when it treats each engine as a black box that balances its own
 * DP ranks.
 */
public final class LeastLoadedInstancePolicy implements RoutingPolicy {

    @Override
    public @Nullable DpUnitId route(InferenceRequest request, ClusterState cluster, long now) {
        InstanceState best = null;
        long bestLoad = Long.MAX_VALUE;
        for (InstanceState i : cluster.candidates(Phase.PREFILL)) {
            long load = i.outstandingTokens();
            if (load < bestLoad) {
                best = i;
                bestLoad = load;
            }
        }
        if (best == null) {
            return null;
        }
        DpUnitState unit = best.units().get(0);
        for (DpUnitState u : best.units()) {
            if (u.outstandingTokens() < unit.outstandingTokens()) {
                unit = u;
            }
        }
        return unit.id();
    }
}
