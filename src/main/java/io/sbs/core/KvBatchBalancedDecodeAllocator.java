package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Decode baseline, KV-aware on two keys: each request to the unit minimizing
 * {@code k_d / mean(k) + b_d / mean(b)} among those with memory for it, ties to the earlier unit.
 *
 * <p>Implementation notes. Model: production decode balancers weigh KV-cache use and running requests
 * together (DeepSeek-V3's decode load balancer, SGLang's DP-attention balancing), because a decode step is
 * paced by both the straggler's attention over its KV and its batch. Each key is divided by its mean over
 * the units (at least 1) so that neither dominates by its unit of measure; the means are taken once per
 * call, so within a window the placements update the keys and not the scale. In-flight requests count at
 * their expected footprint. A request no unit has memory for stays pending. O(U) per request.
 */
public final class KvBatchBalancedDecodeAllocator implements DecodeAllocator {

    @Override
    public Allocation allocate(List<InferenceRequest> window, List<DpUnitState> units) {
        int n = units.size();
        int[] b = new int[n];
        long[] k = new long[n];
        double sumB = 0;
        double sumK = 0;
        for (int i = 0; i < n; i++) {
            b[i] = units.get(i).batchSize();
            k[i] = units.get(i).kvTokens();
            sumB += b[i];
            sumK += k[i];
        }
        double scaleB = Math.max(1, sumB / Math.max(1, n));
        double scaleK = Math.max(1, sumK / Math.max(1, n));
        List<Assignment> placed = new ArrayList<>(window.size());
        List<InferenceRequest> pending = new ArrayList<>();
        for (InferenceRequest r : window) {
            long need = r.totalTokens();
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (k[i] + need > units.get(i).kvCapacity()) {
                    continue;
                }
                double cost = k[i] / scaleK + b[i] / scaleB;
                if (cost < bestCost) {
                    best = i;
                    bestCost = cost;
                }
            }
            if (best < 0) {
                pending.add(r);
                continue;
            }
            b[best]++;
            k[best] += need;
            placed.add(new Assignment(r, units.get(best).id()));
        }
        return new Allocation(placed, pending);
    }
}
