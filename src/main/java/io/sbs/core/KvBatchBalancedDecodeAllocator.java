package io.sbs.core;

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
        return DecodeKeys.greedy(window, units, DecodeKeys::balanced);
    }
}
