package io.sbs.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Baseline: cache-aware routing in the style of SGLang's router.
 *
 * <p>Implementation notes. When the load is imbalanced (the spread of outstanding requests exceeds
 * {@code balanceAbsThreshold} and the max exceeds {@code balanceRelThreshold} times the min) the request
 * goes to the least loaded unit. Otherwise to the unit with the longest cached prefix if the match ratio
 * (cached prefix tokens over prompt tokens) reaches {@code cacheMatchThreshold}; else to the least loaded
 * unit. SGLang's router keeps an approximate radix tree per worker; this keeps the leading block hashes
 * each unit has been sent, which is the same information at block granularity.
 */
public final class CacheAwareRoutingPolicy implements RoutingPolicy {

    @Override
    public @Nullable DpUnitId route(InferenceRequest request, ClusterState cluster, long now) {
        List<DpUnitState> units = RoutingPolicy.candidateUnits(cluster);
        if (units.isEmpty()) {
            return null;
        }
        SchedulingPolicy p = cluster.policy();
        DpUnitState least = units.get(0);
        int maxReqs = Integer.MIN_VALUE;
        for (DpUnitState u : units) {
            if (u.outstandingTokens() < least.outstandingTokens()) {
                least = u;
            }
            maxReqs = Math.max(maxReqs, u.outstandingRequests());
        }
        int minReqs = least.outstandingRequests();
        for (DpUnitState u : units) {
            minReqs = Math.min(minReqs, u.outstandingRequests());
        }
        boolean imbalanced = maxReqs - minReqs > p.balanceAbsThreshold()
                && maxReqs > p.balanceRelThreshold() * minReqs;
        if (imbalanced || request.blockHashes().length == 0) {
            return least.id();
        }
        DpUnitState best = null;
        int bestHit = 0;
        for (DpUnitState u : units) {
            int hit = u.cachedPrefixBlocks(request.blockHashes());
            if (hit > bestHit) {
                best = u;
                bestHit = hit;
            }
        }
        double ratio = Math.min(1.0, (double) bestHit * p.cacheBlockTokens() / request.promptTokens());
        return best != null && ratio >= p.cacheMatchThreshold() ? best.id() : least.id();
    }
}
