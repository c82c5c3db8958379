package io.sbs.core;

import static io.sbs.core.Fixtures.withBlocks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * {@code sbs-cache} decides where a request goes and whether it waits on one set of terms, the forecast's
 * finish plus the weighted compute on uncached tokens: the hold is weighed like the send, and the top-up
 * places a request on the unit the forecast chose for it. One instance of two units ({@code C_max} 1000),
 * blocks of 100 tokens, cold start ({@code T̄_fwd} 50 ms, every pass predicted at that).
 */
class SbsCacheTest {

    private static final SchedulingPolicy POLICY = SchedulingPolicy.defaults(PolicyRegistry.SBS_CACHE).toBuilder()
            .cacheBlockTokens(100).build();

    private final ClusterState cluster = Fixtures.prefillCluster(POLICY, 1, 2, 1000);
    private final StaggeredPrefillDispatch dispatch = new StaggeredPrefillDispatch(cluster,
            new CacheAwarePrefillAllocator(100, POLICY.cacheImbalanceGuard()));

    SbsCacheTest() {
        cluster.chargeUncachedTokens(true);
    }

    private static long[] blocks(int from, int to) {
        return LongStream.rangeClosed(from, to).toArray();
    }

    @Test
    void topUp_cachedUnitBelowTheImbalanceGuard_stillGoesWhereTheForecastChoseIt() {
        // p0/0 holds 600 tokens for the next pass (room 400, under the guard's 500) and the request's first
        // 300; both units finish it in the next pass, where it computes 300 tokens on p0/0 and 600 on p0/1
        DpUnitState cachedUnit = cluster.unit(new DpUnitId("p0", 0));
        Fixtures.sent(cachedUnit, 600);
        cachedUnit.rememberBlocks(blocks(1, 3));
        InferenceRequest r = withBlocks(1, 600, blocks(1, 6));
        PassForecast.Choice chosen = new PassForecast(cluster, 0).affinity(StaggeredPrefillDispatch.CACHE_AFFINITY)
                .bestNow(r);
        assertThat(chosen.unit().id()).isEqualTo(cachedUnit.id());
        // the allocator alone would pass over p0/0 for its guard and send the whole prompt to p0/1
        assertThat(new CacheAwarePrefillAllocator(100, POLICY.cacheImbalanceGuard())
                .allocate(List.of(), List.of(r), cluster.instance("p0").units()).placed())
                .extracting(Assignment::unit).containsExactly(new DpUnitId("p0", 1));

        List<Assignment> sent = dispatch.onArrival(r, 0);

        assertThat(sent).extracting(Assignment::unit).containsExactly(cachedUnit.id());
    }

    @Test
    void costHeld_weighsTheComputeAsTheSendDoes() {
        cluster.recordDispatch(new Assignment(Fixtures.request(10, 400), new DpUnitId("p0", 0)), Phase.PREFILL, 0);
        cluster.unit(new DpUnitId("p0", 1)).rememberBlocks(blocks(1, 8));
        InferenceRequest r = withBlocks(1, 900, blocks(1, 9));
        long now = 10 * Fixtures.MS;
        PassForecast pure = new PassForecast(cluster, now);
        PassForecast weighed = new PassForecast(cluster, now).affinity(2);

        assertThat(pure.costHeld(r)).isEqualTo(pure.finishHeld(r) - now);
        // held, it computes 100 tokens on p0/1 (or 900 on p0/0): at least 2 · 0.1 of a 50 ms pass more
        assertThat(weighed.costHeld(r) - pure.costHeld(r)).isBetween(10e6 - 1, 90e6 + 1);
        PassForecast.Choice c = weighed.bestNow(r);
        assertThat(weighed.cost(c)).isEqualTo(c.finishNanos() - now + 2.0 * c.tokens() * 50e6 / 1000);
    }
}
