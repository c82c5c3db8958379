package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImmediateDispatchTest {

    private final ClusterState cluster = Fixtures.prefillCluster(2, 1, 1000);
    private final ImmediateDispatch dispatch = ImmediateDispatch.prefill(cluster, new RoundRobinPolicy());

    @Test
    void arrival_isRoutedAtOnce_andRecorded() {
        List<Assignment> sent = dispatch.onArrival(request(1, 300), 0);
        assertThat(sent).extracting(Assignment::unit).containsExactly(new DpUnitId("p0", 0));
        assertThat(cluster.unit(new DpUnitId("p0", 0)).outstandingTokens()).isEqualTo(300);
        assertThat(cluster.instance("p0").passRunning()).isTrue();
        assertThat(dispatch.buffered()).isZero();
        assertThat(dispatch.overloaded()).isFalse();
    }

    @Test
    void arrival_everyInstanceBusy_isStillSentAtOnce() {
        dispatch.onArrival(request(1, 900), 0);
        dispatch.onArrival(request(2, 900), 0);
        assertThat(dispatch.onArrival(request(3, 900), MS)).hasSize(1);
    }

    @Test
    void arrival_noCandidate_isHeld_andRetriedOnTickOnceAnInstanceIsBack() {
        cluster.instance("p0").draining(true);
        cluster.instance("p1").draining(true);
        assertThat(dispatch.onArrival(request(1, 300), 0)).isEmpty();
        assertThat(dispatch.buffered()).isEqualTo(1);
        assertThat(dispatch.nextTickAt(0)).isEqualTo(50 * MS);
        assertThat(dispatch.onTick(50 * MS)).isEmpty();
        cluster.instance("p1").draining(false);
        assertThat(dispatch.onTick(100 * MS)).extracting(Assignment::unit).containsExactly(new DpUnitId("p1", 0));
        assertThat(dispatch.buffered()).isZero();
    }

    @Test
    void nextTickAt_nothingHeld_isTheNextWatchdogDeadline_orNever() {
        assertThat(dispatch.nextTickAt(0)).isEqualTo(Long.MAX_VALUE);
        dispatch.onArrival(request(1, 300), 0);
        assertThat(dispatch.nextTickAt(MS)).isEqualTo(cluster.instance("p0").watchdogDeadlineNanos());
    }

    @Test
    void nextTickAt_watchdogDueButNotYetChecked_isTheVeryNextNanosecond() {
        dispatch.onArrival(request(1, 300), 0);
        long deadline = cluster.instance("p0").watchdogDeadlineNanos();
        assertThat(dispatch.nextTickAt(deadline)).isEqualTo(deadline + 1);
        dispatch.onTick(deadline + 1);
        assertThat(cluster.instance("p0").watchdogFires()).isEqualTo(1);
        assertThat(dispatch.nextTickAt(deadline + 1)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void decode_placesEachArrivalAtOnceWithItsAllocator() {
        ClusterState c = new ClusterState(SchedulingPolicy.defaults(PolicyRegistry.LEAST_OUTSTANDING_TOKENS));
        c.addInstance("d0", Phase.DECODE, 2, 1, 10_000, 0);
        ImmediateDispatch d = ImmediateDispatch.decode(c, new LeastBatchDecodeAllocator());
        assertThat(d.phase()).isEqualTo(Phase.DECODE);
        assertThat(d.onArrival(request(1, 100), 0)).extracting(a -> a.unit().dpRank()).containsExactly(0);
        assertThat(d.onArrival(request(2, 100), 0)).extracting(a -> a.unit().dpRank()).containsExactly(1);
        assertThat(c.unit(new DpUnitId("d0", 0)).batchSize()).isEqualTo(1);
    }
}
