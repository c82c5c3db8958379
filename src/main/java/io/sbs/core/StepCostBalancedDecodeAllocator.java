package io.sbs.core;

import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Decode baseline, KV-aware on two keys weighed by the step: each request to the unit minimizing
 * {@code k_d + X · b_d} among those with memory for it, {@code X} the KV tokens one running request costs a
 * step as learned from step times ({@link DecodeStepCost}); {@code k_d / mean(k) + b_d / mean(b)}
 * ({@link KvBatchBalancedDecodeAllocator}) while {@code X} is unknown; ties to the earlier unit.
 *
 * <p>Implementation notes. Model: the two-key balancer production runs, given the weight SBS's decode learns,
 * so that SBS's window and mask are compared against an immediate balancer that knows as much. {@code X} is
 * read once per call. In-flight requests count at their expected footprint. A request no unit has memory
 * for stays pending. O(U) per request.
 */
public final class StepCostBalancedDecodeAllocator implements DecodeAllocator {

    private final DoubleSupplier tokensPerRequest;

    /** @param tokensPerRequest {@code X}, NaN while unknown */
    public StepCostBalancedDecodeAllocator(DoubleSupplier tokensPerRequest) {
        this.tokensPerRequest = tokensPerRequest;
    }

    @Override
    public Allocation allocate(List<InferenceRequest> window, List<DpUnitState> units) {
        double x = tokensPerRequest.getAsDouble();
        return DecodeKeys.greedy(window, units, (b, k) -> DecodeKeys.stepCost(b, k, x));
    }
}
