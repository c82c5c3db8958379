package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoutingPolicyTest {

    private final ClusterState cluster = Fixtures.prefillCluster(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN), 2, 2, 1000);

    private DpUnitState unit(String inst, int rank) {
        return cluster.unit(new DpUnitId(inst, rank));
    }

    @Test
    void roundRobin_cyclesOverEveryUnit() {
        RoundRobinPolicy rr = new RoundRobinPolicy();
        assertThat(java.util.stream.IntStream.range(0, 5).mapToObj(i -> rr.route(request(i, 10), cluster, 0).toString()))
                .containsExactly("p0/0", "p0/1", "p1/0", "p1/1", "p0/0");
    }

    @Test
    void leastOutstandingTokens_picksTheUnitWithFewest() {
        unit("p0", 0).dispatchPrefill(500, false);
        unit("p0", 1).dispatchPrefill(100, false);
        unit("p1", 0).dispatchPrefill(300, false);
        unit("p1", 1).dispatchPrefill(200, false);
        assertThat(new LeastOutstandingTokensPolicy().route(request(1, 10), cluster, 0)).isEqualTo(new DpUnitId("p0", 1));
    }

    @Test
    void leastLoadedInstance_picksInstanceThenItsLeastLoadedUnit() {
        unit("p0", 0).dispatchPrefill(500, false);
        unit("p0", 1).dispatchPrefill(100, false);
        unit("p1", 0).dispatchPrefill(300, false);
        unit("p1", 1).dispatchPrefill(250, false);
        assertThat(new LeastLoadedInstancePolicy().route(request(1, 10), cluster, 0)).isEqualTo(new DpUnitId("p1", 1));
    }

    @Test
    void powerOfTwo_picksTheLesserOfTwoDistinctDraws() {
        unit("p0", 0).dispatchPrefill(900, false);
        unit("p0", 1).dispatchPrefill(900, false);
        unit("p1", 0).dispatchPrefill(900, false);
        PowerOfTwoChoicesPolicy p2c = new PowerOfTwoChoicesPolicy(new SplittableRandom(3));
        int hits = 0;
        for (int i = 0; i < 200; i++) {
            if (p2c.route(request(i, 10), cluster, 0).equals(new DpUnitId("p1", 1))) {
                hits++;
            }
        }
        // the empty unit wins whenever it is drawn: in half of the 6 pairs of 4 units
        assertThat(hits).isBetween(70, 130);
    }

    @Test
    void cacheAware_followsCacheWhenBalanced_leastLoadedWhenImbalanced() {
        unit("p1", 0).rememberBlocks(new long[] {1, 2, 3, 4});
        InferenceRequest r = new InferenceRequest(1, 2048, 10, 0, new long[] {1, 2, 3, 4});
        CacheAwareRoutingPolicy policy = new CacheAwareRoutingPolicy();
        assertThat(policy.route(r, cluster, 0)).isEqualTo(new DpUnitId("p1", 0));
        for (int i = 0; i < 100; i++) {
            unit("p1", 0).dispatchPrefill(10, false);
        }
        assertThat(policy.route(r, cluster, 0)).isEqualTo(new DpUnitId("p0", 0));
    }

    @Test
    void earliestFinishTime_prefersIdleInstance_thenEarliestPassEndWithRoom() {
        EarliestFinishTimePolicy eft = new EarliestFinishTimePolicy();
        cluster.recordDispatch(new Assignment(request(1, 100), new DpUnitId("p0", 0)), Phase.PREFILL, 0);
        assertThat(eft.route(request(2, 100), cluster, MS).instanceId()).isEqualTo("p1");
        cluster.recordDispatch(new Assignment(request(3, 100), new DpUnitId("p1", 0)), Phase.PREFILL, 20 * MS);
        // both running; p0 started first, so its pass ends first; its unit 0 still has room for 900 tokens
        assertThat(eft.route(request(4, 900), cluster, 21 * MS)).isEqualTo(new DpUnitId("p0", 0));
        unit("p0", 0).dispatchPrefill(1000, false);
        unit("p0", 1).dispatchPrefill(1000, false);
        assertThat(eft.route(request(5, 900), cluster, 21 * MS).instanceId()).isEqualTo("p1");
    }
}
