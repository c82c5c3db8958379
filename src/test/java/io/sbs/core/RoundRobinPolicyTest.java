package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRobinPolicyTest {

    private final ClusterState cluster = Fixtures.prefillCluster(2, 2, 1000);
    private final RoundRobinPolicy policy = new RoundRobinPolicy();

    private List<String> route(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(String.valueOf(policy.route(request(i, 10), cluster, 0)));
        }
        return out;
    }

    @Test
    void route_cyclesOverEveryUnitInRegistrationAndRankOrder() {
        assertThat(route(5)).containsExactly("p0/0", "p0/1", "p1/0", "p1/1", "p0/0");
    }

    @Test
    void route_isBlindToLoad() {
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 1)), 50_000);
        assertThat(route(4)).containsExactly("p0/0", "p0/1", "p1/0", "p1/1");
    }

    @Test
    void route_drainingInstance_isSkipped() {
        cluster.instance("p0").draining(true);
        assertThat(route(3)).containsExactly("p1/0", "p1/1", "p1/0");
    }

    @Test
    void route_noCandidate_returnsNull() {
        cluster.instance("p0").draining(true);
        cluster.instance("p1").draining(true);
        assertThat(policy.route(request(1, 10), cluster, 0)).isNull();
    }
}
