package io.sbs.core;

import java.util.List;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Baseline: power of two choices: two distinct DP units drawn at random, the one with fewer
 * outstanding tokens wins. Randomness is injected (seeded in the simulator).
 */
public final class PowerOfTwoChoicesPolicy implements RoutingPolicy {

    private final RandomGenerator random;

    public PowerOfTwoChoicesPolicy(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public @Nullable DpUnitId route(InferenceRequest request, ClusterState cluster, long now) {
        List<DpUnitState> units = RoutingPolicy.candidateUnits(cluster);
        if (units.isEmpty()) {
            return null;
        }
        if (units.size() == 1) {
            return units.get(0).id();
        }
        int a = random.nextInt(units.size());
        int b = random.nextInt(units.size() - 1);
        if (b >= a) {
            b++;
        }
        DpUnitState ua = units.get(a);
        DpUnitState ub = units.get(b);
        return (ub.outstandingTokens() < ua.outstandingTokens() ? ub : ua).id();
    }
}
