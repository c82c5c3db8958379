package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Decode baseline, KV-aware: each request to the unit holding the fewest KV tokens (in-flight requests
 * counted at their expected footprint) among those with memory for it; ties by batch, then to the earlier
 * unit. This is SGLang's DP-attention {@code minimum_tokens} balancing and the KV half of DeepSeek's decode
 * balancer. A request no unit has memory for stays pending. O(U) per request.
 */
public final class LeastKvTokensDecodeAllocator implements DecodeAllocator {

    @Override
    public Allocation allocate(List<InferenceRequest> window, List<DpUnitState> units) {
        int n = units.size();
        int[] b = new int[n];
        long[] k = new long[n];
        for (int i = 0; i < n; i++) {
            b[i] = units.get(i).batchSize();
            k[i] = units.get(i).kvTokens();
        }
        List<Assignment> placed = new ArrayList<>(window.size());
        List<InferenceRequest> pending = new ArrayList<>();
        for (InferenceRequest r : window) {
            long need = r.totalTokens();
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (k[i] + need <= units.get(i).kvCapacity()
                        && (best < 0 || k[i] < k[best] || (k[i] == k[best] && b[i] < b[best]))) {
                    best = i;
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
