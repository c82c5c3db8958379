package io.sbs.core;

import org.jspecify.annotations.Nullable;

/**
 * Baseline: earliest finish time, the pass-aware immediate policy (SPEC.md section 9): binds the request
 * at arrival to the DP unit where it is expected to finish first.
 *
 * <p>Implementation notes. Model: {@link PassForecast}, shared with Staggered Batch Scheduling: an
 * instance's next pass starts at its predicted pass end (the pass-time model on the running pass's
 * tokens), or on arrival ({@code now + τ_net}) when idle; a unit holding {@code q} queued tokens finishes
 * a new prompt of {@code len} tokens at the end of pass {@code ⌈(q + len) / C_max⌉}, each later pass
 * taking {@code T̄_fwd}; a request that may land after the next pass started (the prediction's error
 * against the time left) is charged the pass it would then wait, in expectation. Ties go to the unit with
 * fewer queued tokens, then the earlier unit. It is the strongest honest immediate baseline: it knows the
 * pass structure and the risk of missing a pass but, binding at arrival, cannot pack a window.
 *
 * <p>Registered twice: {@code earliest-finish-time} charges whole prompts; {@code eft-cache} runs on a
 * cluster that charges each unit the tokens left after the prefix its cache view holds
 * ({@link ClusterState#chargeUncachedTokens}, set by the registry), so it finishes a request first where
 * its uncached tokens finish first, and the pass it finishes in is priced on its straggler's tokens
 * ({@link PassForecast}). The strongest honest cache baseline: the cache view is what the dispatcher sent.
 */
public final class EarliestFinishTimePolicy implements RoutingPolicy {

    @Override
    public @Nullable DpUnitId route(InferenceRequest request, ClusterState cluster, long now) {
        PassForecast.Choice c = new PassForecast(cluster, now).bestNow(request);
        return c == null ? null : c.unit().id();
    }
}
