package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LeastOutstandingTokensPolicyTest {

    private final ClusterState cluster = Fixtures.prefillCluster(2, 2, 1000);
    private final LeastOutstandingTokensPolicy policy = new LeastOutstandingTokensPolicy();

    private DpUnitState unit(String inst, int rank) {
        return cluster.unit(new DpUnitId(inst, rank));
    }

    private void load(int p00, int p01, int p10, int p11) {
        Fixtures.sent(unit("p0", 0), p00);
        Fixtures.sent(unit("p0", 1), p01);
        Fixtures.sent(unit("p1", 0), p10);
        Fixtures.sent(unit("p1", 1), p11);
    }

    @Test
    void route_picksTheUnitWithFewestOutstandingTokens() {
        load(500, 100, 300, 200);
        assertThat(policy.route(request(1, 10), cluster, 0)).isEqualTo(new DpUnitId("p0", 1));
    }

    @Test
    void route_tie_goesToTheEarlierUnit() {
        load(300, 100, 100, 200);
        assertThat(policy.route(request(1, 10), cluster, 0)).isEqualTo(new DpUnitId("p0", 1));
    }

    @Test
    void route_completedPrefill_releasesItsTokens() {
        load(500, 100, 300, 200);
        cluster.onPrefillReleased(new DpUnitId("p0", 0), 1, 500, 0);
        assertThat(policy.route(request(1, 10), cluster, 0)).isEqualTo(new DpUnitId("p0", 0));
    }

    @Test
    void route_drainingInstance_isSkippedEvenIfEmpty() {
        load(0, 0, 300, 200);
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
