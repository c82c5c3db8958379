package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClusterStateTest {

    private final ClusterState cluster = Fixtures.prefillCluster(SchedulingPolicy.defaults(PolicyRegistry.SBS), 2, 2, 1000);
    private final InstanceState p0 = cluster.instance("p0");

    private void dispatch(long id, int rank, int prompt, long now) {
        cluster.recordDispatch(new Assignment(request(id, prompt), new DpUnitId("p0", rank)), Phase.PREFILL, now);
    }

    @Test
    void dispatch_toIdleInstance_runsPassAndArmsWatchdogAtKwTimesMeanForward() {
        dispatch(1, 0, 300, 0);
        assertThat(p0.passRunning()).isTrue();
        // cold start: T̄_fwd = default Δ (50 ms) x N (2 instances); k_w = 3
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(3 * 100 * MS);
    }

    @Test
    void forwardEnded_noNextPass_idleAndWatchdogDisarmed() {
        dispatch(1, 0, 300, 0);
        cluster.onForwardEnded(Fixtures.ended("p0", 80 * MS, 80 * MS, new long[] {300, 0}, new long[] {300, 0},
                new long[] {0, 0}, new long[] {0, 0}), 82 * MS);
        assertThat(p0.passRunning()).isFalse();
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(cluster.unit(new DpUnitId("p0", 0)).availableCapacity()).isEqualTo(1000);
        assertThat(cluster.meanForwardNanos(Phase.PREFILL)).isEqualTo(80 * MS);
    }

    @Test
    void forwardEnded_nextPassStarted_runningFromReportedEndAndRearmed() {
        dispatch(1, 0, 300, 0);
        cluster.onForwardEnded(Fixtures.ended("p0", 80 * MS, 80 * MS, new long[] {300, 0}, new long[] {300, 0},
                new long[] {0, 600}, new long[] {0, 200}), 82 * MS);
        assertThat(p0.passRunning()).isTrue();
        assertThat(p0.passStartedNanos()).isEqualTo(80 * MS);
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(82 * MS + 3 * 80 * MS);
        assertThat(cluster.unit(new DpUnitId("p0", 1)).deviceBacklogTokens()).isEqualTo(200);
        assertThat(cluster.predictedPassEnd(p0)).isEqualTo(160 * MS);
    }

    @Test
    void forwardEnded_staleIdleReportOlderThanOurDispatch_keepsInstanceRunningFromArrival() {
        cluster.recordDispatchLatency(Phase.PREFILL, 5 * MS);
        dispatch(1, 0, 300, 0);
        cluster.onForwardEnded(Fixtures.ended("p0", 60 * MS, 55 * MS, new long[] {300, 0}, new long[] {300, 0},
                new long[] {0, 0}, new long[] {0, 0}), 62 * MS);
        dispatch(2, 1, 400, 70 * MS);
        // this report's pass ended at 72 ms, before our second dispatch arrived at 75 ms
        cluster.onForwardEnded(Fixtures.ended("p0", 72 * MS, 10 * MS, new long[] {0, 0}, new long[] {0, 0},
                new long[] {0, 0}, new long[] {0, 0}), 74 * MS);
        assertThat(p0.passRunning()).isTrue();
        assertThat(p0.passStartedNanos()).isEqualTo(75 * MS);
        assertThat(cluster.unit(new DpUnitId("p0", 1)).availableCapacity()).isEqualTo(1000);
    }

    @Test
    void loadPolled_idleSampledAfterOurDispatchArrived_makesInstanceIdle() {
        dispatch(1, 0, 300, 0);
        cluster.onLoadPolled("p0", true, 10 * MS, 12 * MS);
        assertThat(p0.passRunning()).isFalse();
    }

    @Test
    void loadPolled_idleSampledBeforeOurDispatchArrived_isIgnored() {
        cluster.recordDispatchLatency(Phase.PREFILL, 5 * MS);
        dispatch(1, 0, 300, 10 * MS);
        cluster.onLoadPolled("p0", true, 12 * MS, 14 * MS);
        assertThat(p0.passRunning()).isTrue();
    }

    @Test
    void watchdog_expired_forcesIdleResetsInflightAndCountsFire() {
        dispatch(1, 0, 300, 0);
        cluster.unit(new DpUnitId("p0", 1)).dispatchPrefill(500, false);
        assertThat(cluster.checkWatchdogs(Phase.PREFILL, 299 * MS)).isEmpty();
        assertThat(cluster.checkWatchdogs(Phase.PREFILL, 300 * MS)).containsExactly(p0);
        assertThat(p0.passRunning()).isFalse();
        assertThat(p0.watchdogFires()).isEqualTo(1);
        assertThat(cluster.unit(new DpUnitId("p0", 1)).availableCapacity()).isEqualTo(1000);
    }

    @Test
    void watchdog_repeatedFires_marksSuspect_removesFromN_untilAnySignal() {
        long t = 0;
        for (int i = 0; i < 3; i++) {
            dispatch(i, 0, 100, t);
            t = p0.watchdogDeadlineNanos();
            cluster.checkWatchdogs(Phase.PREFILL, t);
        }
        assertThat(p0.suspect()).isTrue();
        assertThat(cluster.healthyInstances(Phase.PREFILL)).isEqualTo(1);
        assertThat(cluster.candidates(Phase.PREFILL)).extracting(InstanceState::id).containsExactly("p1");
        cluster.onLoadPolled("p0", false, t + 1, t + 2);
        assertThat(p0.suspect()).isFalse();
        assertThat(cluster.healthyInstances(Phase.PREFILL)).isEqualTo(2);
    }

    @Test
    void candidates_everyInstanceSuspect_returnsAllOfThem_soDispatchNeverDeadlocks() {
        for (InstanceState inst : cluster.instances(Phase.PREFILL)) {
            for (int i = 0; i < 3; i++) {
                cluster.recordDispatch(new Assignment(request(i, 10), new DpUnitId(inst.id(), 0)), Phase.PREFILL, 0);
                cluster.checkWatchdogs(Phase.PREFILL, inst.watchdogDeadlineNanos());
            }
        }
        assertThat(cluster.healthyInstances(Phase.PREFILL)).isZero();
        assertThat(cluster.candidates(Phase.PREFILL)).hasSize(2);
    }

    @Test
    void draining_instance_leavesCandidatesAndN() {
        cluster.instance("p1").draining(true);
        assertThat(cluster.candidates(Phase.PREFILL)).extracting(InstanceState::id).containsExactly("p0");
        assertThat(cluster.healthyInstances(Phase.PREFILL)).isEqualTo(1);
    }

    @Test
    void policy_replaced_changesIntervalPin() {
        cluster.policy(cluster.policy().toBuilder().pinnedInterval(java.time.Duration.ofMillis(7)).build());
        assertThat(cluster.intervalNanos(Phase.PREFILL)).isEqualTo(7 * MS);
    }
}
