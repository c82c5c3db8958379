package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LeastLoadedInstancePolicyTest {

    private final ClusterState cluster = Fixtures.prefillCluster(2, 2, 1000);
    private final LeastLoadedInstancePolicy policy = new LeastLoadedInstancePolicy();

    private void load(int p00, int p01, int p10, int p11) {
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 0)), p00);
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 1)), p01);
        Fixtures.sent(cluster.unit(new DpUnitId("p1", 0)), p10);
        Fixtures.sent(cluster.unit(new DpUnitId("p1", 1)), p11);
    }

    @Test
    void route_picksTheLeastLoadedInstance_thenItsLeastLoadedUnit() {
        // p0 holds 600 tokens, p1 550: p1 wins although p0/1 is the least loaded unit
        load(500, 100, 300, 250);
        assertThat(policy.route(request(1, 10), cluster, 0)).isEqualTo(new DpUnitId("p1", 1));
    }

    @Test
    void route_ties_goToTheEarlierInstanceAndUnit() {
        load(200, 200, 100, 300);
        assertThat(policy.route(request(1, 10), cluster, 0)).isEqualTo(new DpUnitId("p0", 0));
    }

    @Test
    void route_drainingInstance_isSkipped() {
        load(0, 0, 300, 250);
        cluster.instance("p0").draining(true);
        assertThat(policy.route(request(1, 10), cluster, 0)).isEqualTo(new DpUnitId("p1", 1));
    }

    @Test
    void route_noCandidate_returnsNull() {
        cluster.instance("p0").draining(true);
        cluster.instance("p1").draining(true);
        assertThat(policy.route(request(1, 10), cluster, 0)).isNull();
    }
}
