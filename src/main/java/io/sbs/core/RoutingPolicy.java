package io.sbs.core;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An immediate-dispatch baseline: binds each prefill request to a DP unit the moment it arrives, as the
 * routers in use today do (SPEC.md section 3.5).
 */
public interface RoutingPolicy {

    /** The unit for {@code request}, or null when no instance can take work. */
    @Nullable
    DpUnitId route(InferenceRequest request, ClusterState cluster, long now);

    /** The prefill units of the instances that should receive work, in registration and rank order. */
    static List<DpUnitState> candidateUnits(ClusterState cluster) {
        List<DpUnitState> units = new ArrayList<>();
        for (InstanceState i : cluster.candidates(Phase.PREFILL)) {
            units.addAll(i.units());
        }
        return units;
    }
}
