package io.sbs.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** Baseline: round robin over every prefill DP unit. */
public final class RoundRobinPolicy implements RoutingPolicy {

    private long cursor;

    @Override
    public @Nullable DpUnitId route(InferenceRequest request, ClusterState cluster, long now) {
        List<DpUnitState> units = RoutingPolicy.candidateUnits(cluster);
        return units.isEmpty() ? null : units.get((int) (cursor++ % units.size())).id();
    }
}
