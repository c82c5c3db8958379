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
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 0)), 1000);
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 1)), 1000);
        assertThat(policy.route(request(3, 900), cluster, 21 * MS).instanceId()).isEqualTo("p1");
    }

    @Test
    void route_queuedTokens_pushTheFinishByWholePasses() {
        Fixtures.backlog(cluster.unit(new DpUnitId("p0", 0)), 1500);
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 1)), 200);
        Fixtures.sent(cluster.unit(new DpUnitId("p1", 0)), 700);
        Fixtures.sent(cluster.unit(new DpUnitId("p1", 1)), 600);
        // a 500-token prompt finishes in the first pass only on p0/1 (200 + 500 <= 1000)
        assertThat(policy.route(request(1, 500), cluster, 0)).isEqualTo(new DpUnitId("p0", 1));
    }

    @Test
    void route_sameFinish_tiesToFewerQueuedTokensThenTheEarlierUnit() {
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 0)), 300);
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 1)), 100);
        Fixtures.sent(cluster.unit(new DpUnitId("p1", 0)), 100);
        Fixtures.sent(cluster.unit(new DpUnitId("p1", 1)), 200);
        assertThat(policy.route(request(1, 100), cluster, 0)).isEqualTo(new DpUnitId("p0", 1));
    }

    /**
     * p0's pass is predicted to end at 100 ms, p1's at 120 ms (σ 10 ms until passes are measured). Sent at
     * 99 ms, a request may well land after p0 started its next pass and wait a whole pass more; p1's pass
     * it is sure to make.
     */
    @Test
    void route_aPassAboutToStart_isChargedTheRiskOfMissingIt() {
        dispatch(1, "p0", 0, 100, 0);
        dispatch(2, "p1", 0, 100, 20 * MS);
        assertThat(policy.route(request(3, 100), cluster, 60 * MS).instanceId()).as("far ahead: the earlier end")
                .isEqualTo("p0");
        assertThat(policy.route(request(4, 100), cluster, 99 * MS).instanceId()).isEqualTo("p1");
    }

    @Test
    void route_noCandidate_returnsNull() {
        cluster.instance("p0").draining(true);
        cluster.instance("p1").draining(true);
        assertThat(policy.route(request(1, 10), cluster, 0)).isNull();
    }
}
