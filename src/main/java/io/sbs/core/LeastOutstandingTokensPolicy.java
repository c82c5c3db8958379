package io.sbs.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Baseline: the DP unit with the fewest outstanding prompt tokens (dispatched, first token not yet
 * back), ties to the earlier unit.
 */
public final class LeastOutstandingTokensPolicy implements RoutingPolicy {

    @Override
    public @Nullable DpUnitId route(InferenceRequest request, ClusterState cluster, long now) {
        List<DpUnitState> units = RoutingPolicy.candidateUnits(cluster);
        DpUnitState best = null;
        for (DpUnitState u : units) {
            if (best == null || u.outstandingTokens() < best.outstandingTokens()) {
                best = u;
            }
        }
        return best == null ? null : best.id();
    }
}
