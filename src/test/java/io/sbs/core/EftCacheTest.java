package io.sbs.core;

import static io.sbs.core.Fixtures.withBlocks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * {@code eft-cache}: earliest finish time priced on the tokens each unit would compute after the prefix its
 * cache view holds, and the cluster's estimate charged the same. Two instances of two units ({@code C_max}
 * 1000), blocks of 100 tokens.
 */
class EftCacheTest {

    private static final SchedulingPolicy POLICY = SchedulingPolicy.defaults(PolicyRegistry.EFT_CACHE).toBuilder()
            .cacheBlockTokens(100).build();

    private final ClusterState cluster = Fixtures.prefillCluster(POLICY, 2, 2, 1000);
    private final EarliestFinishTimePolicy policy = new EarliestFinishTimePolicy();

    private static long[] blocks(int from, int to) {
        return LongStream.rangeClosed(from, to).toArray();
    }

    /** Every unit holds 500 tokens for its next pass; unit p1/1 also holds the request's first 800 tokens. */
    private InferenceRequest cachedOnP1Unit1() {
        for (InstanceState i : cluster.instances(Phase.PREFILL)) {
            for (DpUnitState u : i.units()) {
                Fixtures.sent(u, 500);
            }
        }
        cluster.unit(new DpUnitId("p1", 1)).rememberBlocks(blocks(1, 8));
        return withBlocks(1, 900, blocks(1, 9));
    }

    @Test
    void route_cachedPrefixSavesAPass_goesToTheUnitHoldingIt() {
        InferenceRequest r = cachedOnP1Unit1();
        cluster.chargeUncachedTokens(true);
        // 500 queued + 100 uncached fits the next pass there; 500 + 900 elsewhere takes two
        assertThat(policy.route(r, cluster, 0)).isEqualTo(new DpUnitId("p1", 1));
    }

    @Test
    void route_wholePromptsCharged_ignoresTheCache() {
        InferenceRequest r = cachedOnP1Unit1();
        cluster.chargeUncachedTokens(false);
        // plain earliest finish time: two passes everywhere, the tie goes to the first unit
        assertThat(policy.route(r, cluster, 0)).isEqualTo(new DpUnitId("p0", 0));
    }

    @Test
    void registry_eftCache_isImmediateAndChargesUncachedTokens() {
        PhaseDispatch dispatch = PolicyRegistry.standard().prefill(PolicyRegistry.EFT_CACHE, cluster,
                new SplittableRandom(1));
        // idle instances: 1900 tokens take two passes anywhere but on p1/1, which holds the first 1000
        cluster.unit(new DpUnitId("p1", 1)).rememberBlocks(blocks(1, 10));
        InferenceRequest r = withBlocks(1, 1900, blocks(1, 19));
        assertThat(cluster.chargesUncachedTokens()).isTrue();
        assertThat(dispatch.onArrival(r, 0)).extracting(Assignment::unit).containsExactly(new DpUnitId("p1", 1));
        assertThat(PolicyRegistry.standard().get(PolicyRegistry.EFT_CACHE).staggered()).isFalse();
    }

    @Test
    void recordDispatch_cachedPrefix_chargesTheUnitOnlyTheUncachedTokens() {
        cluster.chargeUncachedTokens(true);
        DpUnitId unit = new DpUnitId("p0", 0);
        DpUnitState u = cluster.unit(unit);
        // the first turn: nothing cached, 2000 tokens, of which a chunk starts the idle instance's pass
        cluster.recordDispatch(new Assignment(withBlocks(1, 2000, blocks(1, 20)), unit), Phase.PREFILL, 0);
        long afterFirst = u.inflightTokens() + u.deviceBacklogTokens();
        assertThat(afterFirst).isEqualTo(1000);
        // the second turn shares those 20 blocks: 100 tokens to compute, not 2100
        cluster.recordDispatch(new Assignment(withBlocks(2, 2100, blocks(1, 21)), unit), Phase.PREFILL, 0);
        assertThat(u.inflightTokens() + u.deviceBacklogTokens()).isEqualTo(afterFirst + 100);
    }

    @Test
    void recordDispatch_wholePromptsCharged_countsTheWholeSecondTurn() {
        cluster.chargeUncachedTokens(false);
        DpUnitId unit = new DpUnitId("p0", 0);
        DpUnitState u = cluster.unit(unit);
        cluster.recordDispatch(new Assignment(withBlocks(1, 2000, blocks(1, 20)), unit), Phase.PREFILL, 0);
        long afterFirst = u.inflightTokens() + u.deviceBacklogTokens();
        cluster.recordDispatch(new Assignment(withBlocks(2, 2100, blocks(1, 21)), unit), Phase.PREFILL, 0);
        assertThat(u.inflightTokens() + u.deviceBacklogTokens()).isEqualTo(afterFirst + 2100);
    }

    /** p0's pass ends 20 ms before p1's; p1/1 holds the first 800 of the request's 900 tokens. */
    private InferenceRequest bothRunningCachedOnTheLaterOne() {
        cluster.chargeUncachedTokens(true);
        cluster.recordDispatch(new Assignment(Fixtures.request(10, 100), new DpUnitId("p0", 0)), Phase.PREFILL, 0);
        cluster.recordDispatch(new Assignment(Fixtures.request(11, 100), new DpUnitId("p1", 0)), Phase.PREFILL,
                20 * Fixtures.MS);
        cluster.unit(new DpUnitId("p1", 1)).rememberBlocks(blocks(1, 8));
        return withBlocks(1, 900, blocks(1, 9));
    }

    @Test
    void bestNow_pureFinish_takesTheEarlierPassWithoutTheCache() {
        InferenceRequest r = bothRunningCachedOnTheLaterOne();
        // eft-cache: one pass either way, and p0's comes first
        assertThat(policy.route(r, cluster, 21 * Fixtures.MS).instanceId()).isEqualTo("p0");
    }

    @Test
    void bestNow_sbsWeighsTheComputeAHitSaves_waitsTheLaterPassOnTheCachedUnit() {
        InferenceRequest r = bothRunningCachedOnTheLaterOne();
        // 800 cached tokens save 2 · 0.8 of a full pass's time; p1's pass ends only 20 ms later
        PassForecast.Choice c = new PassForecast(cluster, 21 * Fixtures.MS)
                .affinity(StaggeredPrefillDispatch.CACHE_AFFINITY).bestNow(r);
        assertThat(c.unit().id()).isEqualTo(new DpUnitId("p1", 1));
        assertThat(c.tokens()).isEqualTo(100);
    }
}
