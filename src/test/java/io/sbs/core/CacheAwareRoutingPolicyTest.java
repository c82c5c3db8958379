package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * SGLang-router-style cache-aware routing with the default thresholds: 512-token blocks, match ratio 0.3,
 * imbalance when the outstanding-request spread exceeds 64 and the max exceeds 1.5 x the min.
 */
class CacheAwareRoutingPolicyTest {

    private final ClusterState cluster = Fixtures.prefillCluster(SchedulingPolicy.defaults(PolicyRegistry.CACHE_AWARE), 2, 2, 1000);
    private final CacheAwareRoutingPolicy policy = new CacheAwareRoutingPolicy();

    private DpUnitState unit(String inst, int rank) {
        return cluster.unit(new DpUnitId(inst, rank));
    }

    private static InferenceRequest prompt(int tokens, long... blocks) {
        return new InferenceRequest(1, tokens, 10, 0, blocks);
    }

    /** Gives a unit {@code n} outstanding requests of {@code tokens} tokens each. */
    private void outstanding(String inst, int rank, int n, int tokens) {
        for (int i = 0; i < n; i++) {
            Fixtures.sent(unit(inst, rank), tokens);
        }
    }

    @Test
    void route_balanced_followsTheCacheEvenToABusierUnit() {
        unit("p1", 0).rememberBlocks(new long[] {1, 2, 3, 4});
        outstanding("p1", 0, 1, 900);
        assertThat(policy.route(prompt(2048, 1, 2, 3, 4), cluster, 0)).isEqualTo(new DpUnitId("p1", 0));
    }

    @Test
    void route_balanced_longestCachedPrefixWins() {
        unit("p0", 1).rememberBlocks(new long[] {1, 2});
        unit("p1", 1).rememberBlocks(new long[] {1, 2, 3});
        assertThat(policy.route(prompt(2048, 1, 2, 3, 4), cluster, 0)).isEqualTo(new DpUnitId("p1", 1));
    }

    @Test
    void route_matchRatioBelowThreshold_goesToTheLeastLoaded() {
        unit("p1", 0).rememberBlocks(new long[] {1});
        outstanding("p0", 0, 1, 300);
        // 512 of 2048 tokens cached: 0.25 < 0.3
        assertThat(policy.route(prompt(2048, 1, 2, 3, 4), cluster, 0)).isEqualTo(new DpUnitId("p0", 1));
    }

    @Test
    void route_matchRatioExactlyAtThreshold_followsTheCache() {
        ClusterState c = Fixtures.prefillCluster(SchedulingPolicy.builder().name(PolicyRegistry.CACHE_AWARE)
                .cacheMatchThreshold(0.25).build(), 2, 2, 1000);
        c.unit(new DpUnitId("p1", 0)).rememberBlocks(new long[] {1});
        assertThat(policy.route(prompt(2048, 1, 2, 3, 4), c, 0)).isEqualTo(new DpUnitId("p1", 0));
    }

    @Test
    void route_imbalanced_goesToTheLeastLoadedDespiteTheCache() {
        unit("p1", 0).rememberBlocks(new long[] {1, 2, 3, 4});
        outstanding("p1", 0, 100, 10);
        assertThat(policy.route(prompt(2048, 1, 2, 3, 4), cluster, 0)).isEqualTo(new DpUnitId("p0", 0));
    }

    @Test
    void route_spreadAboveAbsoluteButRatioBelowRelativeThreshold_isBalanced() {
        unit("p1", 0).rememberBlocks(new long[] {1, 2, 3, 4});
        outstanding("p0", 0, 150, 1);
        outstanding("p0", 1, 150, 1);
        outstanding("p1", 1, 150, 1);
        // spread 220 - 150 = 70 > 64, but 220 < 1.5 x 150
        outstanding("p1", 0, 220, 1);
        assertThat(policy.route(prompt(2048, 1, 2, 3, 4), cluster, 0)).isEqualTo(new DpUnitId("p1", 0));
    }

    @Test
    void route_noBlockHashes_goesToTheLeastLoaded() {
        outstanding("p0", 0, 1, 300);
        outstanding("p0", 1, 1, 200);
        outstanding("p1", 1, 1, 100);
        assertThat(policy.route(request(1, 2048), cluster, 0)).isEqualTo(new DpUnitId("p1", 0));
    }

    @Test
    void route_noCandidate_returnsNull() {
        cluster.instance("p0").draining(true);
        cluster.instance("p1").draining(true);
        assertThat(policy.route(prompt(2048, 1), cluster, 0)).isNull();
    }
}
