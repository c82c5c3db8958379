package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Earliest finish time on two instances of two units ({@code C_max} 1000); cold-start T̄_fwd 100 ms. */
class EarliestFinishTimePolicyTest {

    private final ClusterState cluster = Fixtures.prefillCluster(2, 2, 1000);
    private final EarliestFinishTimePolicy policy = new EarliestFinishTimePolicy();

    private void dispatch(long id, String inst, int rank, int prompt, long now) {
        cluster.recordDispatch(new Assignment(request(id, prompt), new DpUnitId(inst, rank)), Phase.PREFILL, now);
    }

    @Test
    void route_prefersAnIdleInstanceToARunningOne() {
        dispatch(1, "p0", 0, 100, 0);
        assertThat(policy.route(request(2, 100), cluster, MS).instanceId()).isEqualTo("p1");
    }

    @Test
    void route_everyInstanceRunning_picksTheEarliestPredictedPassEndWithRoom() {
        dispatch(1, "p0", 0, 100, 0);
        dispatch(2, "p1", 0, 100, 20 * MS);
        // p0's pass started first, so it ends first; its unit 0 has 900 tokens of room for the next pass
        assertThat(policy.route(request(3, 900), cluster, 21 * MS)).isEqualTo(new DpUnitId("p0", 0));
    }

    @Test
    void route_earliestPassEndWithoutRoom_goesToTheLaterPassThatHasRoom() {
        dispatch(1, "p0", 0, 100, 0);
        dispatch(2, "p1", 0, 100, 20 * MS);
        cluster.unit(new DpUnitId("p0", 0)).dispatchPrefill(1000, false);
        cluster.unit(new DpUnitId("p0", 1)).dispatchPrefill(1000, false);
        assertThat(policy.route(request(3, 900), cluster, 21 * MS).instanceId()).isEqualTo("p1");
    }

    @Test
    void route_queuedTokens_pushTheFinishByWholePasses() {
        cluster.unit(new DpUnitId("p0", 0)).reportBacklog(1500);
        cluster.unit(new DpUnitId("p0", 1)).dispatchPrefill(200, false);
        cluster.unit(new DpUnitId("p1", 0)).dispatchPrefill(700, false);
        cluster.unit(new DpUnitId("p1", 1)).dispatchPrefill(600, false);
        // a 500-token prompt finishes in the first pass only on p0/1 (200 + 500 <= 1000)
        assertThat(policy.route(request(1, 500), cluster, 0)).isEqualTo(new DpUnitId("p0", 1));
    }

    @Test
    void route_sameFinish_tiesToFewerQueuedTokensThenTheEarlierUnit() {
        cluster.unit(new DpUnitId("p0", 0)).dispatchPrefill(300, false);
        cluster.unit(new DpUnitId("p0", 1)).dispatchPrefill(100, false);
        cluster.unit(new DpUnitId("p1", 0)).dispatchPrefill(100, false);
        cluster.unit(new DpUnitId("p1", 1)).dispatchPrefill(200, false);
        assertThat(policy.route(request(1, 100), cluster, 0)).isEqualTo(new DpUnitId("p0", 1));
    }

    @Test
    void route_noCandidate_returnsNull() {
        cluster.instance("p0").draining(true);
        cluster.instance("p1").draining(true);
        assertThat(policy.route(request(1, 10), cluster, 0)).isNull();
    }
}
