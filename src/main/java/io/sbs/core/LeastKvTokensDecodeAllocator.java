package io.sbs.core;

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
        return DecodeKeys.greedy(window, units, DecodeKeys::kvFirst);
    }
}
