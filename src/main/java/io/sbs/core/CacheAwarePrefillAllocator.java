package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/**
 * PBAA's cache-aware variant (paper section 4.2.2, "Optimization for Context Caching").
 *
 * <p>Implementation notes. Model: the cost of a request on a unit is its prompt length minus the prefix
 * tokens that unit already holds (leading block hashes it has seen, {@code cacheBlockTokens} each),
 * capped by {@code C_max}. Order as in {@link WaterFillingPrefillAllocator}. Choice: the unit with the
 * longest cached prefix whose remaining capacity fits the cost, ties by larger capacity, then input
 * order. Imbalance guard (where the paper is silent): a unit is eligible for cache affinity only if its
 * remaining capacity is at least {@code cacheImbalanceGuard} of the largest remaining capacity; without
 * an eligible hit the request falls back to plain water filling, and when even the widest unit cannot
 * take it, to any unit its cost fits (best hit first), since the guard then protects nothing. Complexity: O(R * U * B) for B blocks
 * per prompt in the worst case.
 */
public final class CacheAwarePrefillAllocator implements PrefillAllocator {

    private final int blockTokens;
    private final double imbalanceGuard;

    public CacheAwarePrefillAllocator(int blockTokens, double imbalanceGuard) {
        this.blockTokens = blockTokens;
        this.imbalanceGuard = imbalanceGuard;
    }

    @Override
    public Allocation allocate(List<InferenceRequest> carriedOver, List<InferenceRequest> fresh,
            List<DpUnitState> units) {
        long[] capacity = new long[units.size()];
        for (int i = 0; i < units.size(); i++) {
            capacity[i] = units.get(i).availableCapacity();
        }
        List<Assignment> placed = new ArrayList<>();
        List<InferenceRequest> pending = new ArrayList<>();
        List<InferenceRequest> sorted = new ArrayList<>(fresh);
        sorted.sort(WaterFillingPrefillAllocator.LONGEST_FIRST);
        List<InferenceRequest> order = new ArrayList<>(carriedOver);
        order.addAll(sorted);
        for (InferenceRequest r : order) {
            int chosen = choose(r, units, capacity);
            if (chosen < 0) {
                pending.add(r);
                continue;
            }
            capacity[chosen] -= cost(r, units.get(chosen));
            placed.add(new Assignment(r, units.get(chosen).id()));
        }
        return new Allocation(placed, pending);
    }

    /** The request's tokens left to compute on {@code unit}, as charged to the pass it joins. */
    int cost(InferenceRequest r, DpUnitState unit) {
        return unit.passCost(unit.uncachedTokens(r, blockTokens));
    }

    private int choose(InferenceRequest r, List<DpUnitState> units, long[] capacity) {
        int widest = -1;
        for (int i = 0; i < units.size(); i++) {
            if (widest < 0 || capacity[i] > capacity[widest]) {
                widest = i;
            }
        }
        if (widest < 0 || capacity[widest] <= 0) {
            return -1;
        }
        int best = -1;
        int bestHit = 0;
        if (r.blockHashes().length > 0) {
            double floor = imbalanceGuard * capacity[widest];
            for (int i = 0; i < units.size(); i++) {
                int hit = units.get(i).cachedPrefixBlocks(r.blockHashes());
                if (hit == 0 || capacity[i] < floor || cost(r, units.get(i)) > capacity[i]) {
                    continue;
                }
                if (hit > bestHit || (hit == bestHit && capacity[i] > capacity[best])) {
                    best = i;
                    bestHit = hit;
                }
            }
        }
        if (best >= 0) {
            return best;
        }
        if (cost(r, units.get(widest)) <= capacity[widest]) {
            return widest;
        }
        // Nothing takes it at the widest unit: the guard has nothing left to protect, so any unit its cost
        // fits will do, the best cache hit first, then the most room.
        int fallback = -1;
        int fallbackHit = -1;
        for (int i = 0; i < units.size(); i++) {
            if (capacity[i] <= 0 || cost(r, units.get(i)) > capacity[i]) {
                continue;
            }
            int hit = units.get(i).cachedPrefixBlocks(r.blockHashes());
            if (hit > fallbackHit || (hit == fallbackHit && capacity[i] > capacity[fallback])) {
                fallback = i;
                fallbackHit = hit;
            }
        }
        return fallback;
    }
}
