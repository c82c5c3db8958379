package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The cluster state's bookkeeping (registration, per-phase views, dispatch accounting, prediction of pass
 * ends, policy changes); readiness signals are in {@link TripleCheckReadinessTest}. Two prefill instances
 * of two units, {@code C_max} 1000, default policy (cold-start T̄_fwd 50 ms x 2 = 100 ms).
 */
class ClusterStateTest {

    private final ClusterState cluster = Fixtures.prefillCluster(2, 2, 1000);
    private final InstanceState p0 = cluster.instance("p0");

    private void dispatch(long id, int rank, int prompt, long now) {
        cluster.recordDispatch(new Assignment(request(id, prompt), new DpUnitId("p0", rank)), Phase.PREFILL, now);
    }

    @Test
    void addInstance_duplicateId_isRejected_evenAcrossPhases() {
        assertThatThrownBy(() -> cluster.addInstance("p0", Phase.DECODE, 1, 1, 100, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p0");
    }

    @Test
    void instance_unknownId_isRejected() {
        assertThatThrownBy(() -> cluster.instance("nope")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void instances_perPhase_inRegistrationOrder() {
        cluster.addInstance("d0", Phase.DECODE, 4, 1, 100_000, 0);
        cluster.addInstance("p2", Phase.PREFILL, 1, 500, Long.MAX_VALUE, 0);
        assertThat(cluster.instances(Phase.PREFILL)).extracting(InstanceState::id).containsExactly("p0", "p1", "p2");
        assertThat(cluster.instances(Phase.DECODE)).extracting(InstanceState::id).containsExactly("d0");
        assertThat(cluster.instance("d0").units()).hasSize(4);
        assertThat(cluster.unit(new DpUnitId("p2", 0)).chunkCapacity()).isEqualTo(500);
        assertThat(cluster.healthyInstances(Phase.DECODE)).isEqualTo(1);
    }

    @Test
    void removeInstance_laterSignalsFromIt_areIgnored() {
        cluster.removeInstance("p1");
        cluster.onForwardEnded(Fixtures.endedIdle("p1", 2, 10 * MS, 10 * MS), 10 * MS);
        cluster.onLoadPolled("p1", true, 10 * MS, 10 * MS);
        cluster.onPrefillCompleted(new DpUnitId("p1", 0), 1, 10, 10 * MS, 10 * MS);
        cluster.onPrefillReleased(new DpUnitId("p1", 0), 2, 10, 10 * MS);
        assertThat(cluster.instances(Phase.PREFILL)).extracting(InstanceState::id).containsExactly("p0");
        // the ignored EndForward did not feed T̄_fwd
        assertThat(cluster.meanForwardNanos(Phase.PREFILL)).isEqualTo(50 * MS);
    }

    @Test
    void draining_instance_leavesCandidatesAndN() {
        cluster.instance("p1").draining(true);
        assertThat(cluster.candidates(Phase.PREFILL)).extracting(InstanceState::id).containsExactly("p0");
        assertThat(cluster.healthyInstances(Phase.PREFILL)).isEqualTo(1);
        assertThat(cluster.instances(Phase.PREFILL)).hasSize(2);
    }

    @Test
    void recordDispatch_prefillIntoIdleThenRunningInstance_accountsPassAndInflight() {
        // τ_net 5 ms: the first prompt starts a pass of its own at 5 ms, the second arrives after that start
        cluster.recordDispatchLatency(Phase.PREFILL, 5 * MS);
        dispatch(1, 0, 300, 0);
        dispatch(2, 0, 400, MS);
        DpUnitState u = cluster.unit(new DpUnitId("p0", 0));
        assertThat(u.startingPassTokens()).isEqualTo(300);
        assertThat(u.inflightTokens()).isEqualTo(400);
        assertThat(u.availableCapacity()).isEqualTo(600);
        assertThat(u.outstandingTokens()).isEqualTo(700);
    }

    @Test
    void recordDispatch_prefill_remembersThePromptBlocks() {
        cluster.recordDispatch(new Assignment(Fixtures.withBlocks(1, 300, 5, 6), new DpUnitId("p0", 1)), Phase.PREFILL, 0);
        assertThat(cluster.unit(new DpUnitId("p0", 1)).cachedPrefixBlocks(new long[] {5, 6, 7})).isEqualTo(2);
    }

    @Test
    void recordDispatch_startsThePassOnArrival_afterTheDispatchLatency() {
        cluster.recordDispatchLatency(Phase.PREFILL, 4 * MS);
        dispatch(1, 0, 300, 10 * MS);
        assertThat(p0.passStartedNanos()).isEqualTo(14 * MS);
        assertThat(cluster.predictedPassEnd(p0)).isEqualTo(114 * MS);
    }

    @Test
    void recordDispatch_decode_countsBatchAndKvUntilReported() {
        cluster.addInstance("d0", Phase.DECODE, 2, 1, 10_000, 0);
        cluster.recordDispatch(new Assignment(request(1, 900, 100), new DpUnitId("d0", 1)), Phase.DECODE, 0);
        DpUnitState u = cluster.unit(new DpUnitId("d0", 1));
        assertThat(u.batchSize()).isEqualTo(1);
        assertThat(u.kvTokens()).isEqualTo(1000);
        cluster.onDecodeStepEnded(new DecodeStepEndedEvent("d0", 20 * MS, 20 * MS, new int[] {0, 3},
                new long[] {0, 4000}, new int[] {0, 1}, new long[] {0, 1000}), 20 * MS);
        assertThat(u.batchSize()).isEqualTo(3);
        assertThat(u.kvTokens()).isEqualTo(4000);
        assertThat(cluster.instance("d0").passRunning()).isTrue();
        assertThat(cluster.meanForwardNanos(Phase.DECODE)).isEqualTo(20 * MS);
    }

    @Test
    void recordDispatch_decodeOfTheLargestOutput_countsItsWholeFootprint_andReleasesToZero() {
        cluster.addInstance("d0", Phase.DECODE, 1, 1, Long.MAX_VALUE, 0);
        InferenceRequest huge = request(1, 100, Integer.MAX_VALUE);
        cluster.recordDispatch(new Assignment(huge, new DpUnitId("d0", 0)), Phase.DECODE, 0);
        DpUnitState u = cluster.unit(new DpUnitId("d0", 0));
        assertThat(u.kvTokens()).isEqualTo(Integer.MAX_VALUE + 100L);
        cluster.releaseDecode(new DpUnitId("d0", 0), huge.totalTokens());
        assertThat(u.kvTokens()).isZero();
        assertThat(u.batchSize()).isZero();
    }

    @Test
    void decodeStepEnded_emptyBatches_makesTheInstanceIdle() {
        cluster.addInstance("d0", Phase.DECODE, 2, 1, 10_000, 0);
        cluster.recordDispatch(new Assignment(request(1, 900, 100), new DpUnitId("d0", 0)), Phase.DECODE, 0);
        cluster.onDecodeStepEnded(new DecodeStepEndedEvent("d0", 20 * MS, 20 * MS, new int[] {0, 0},
                new long[] {0, 0}, new int[] {1, 0}, new long[] {1000, 0}), 20 * MS);
        assertThat(cluster.instance("d0").passRunning()).isFalse();
        assertThat(cluster.instance("d0").watchdogDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void withdrawDispatch_releasesTheUnitsRoomAndOutstanding_unknownInstanceIgnored() {
        dispatch(1, 0, 300, 0);
        dispatch(2, 0, 400, MS);
        cluster.withdrawDispatch(new Assignment(request(2, 400), new DpUnitId("p0", 0)), MS);
        DpUnitState u = cluster.unit(new DpUnitId("p0", 0));
        assertThat(u.availableCapacity()).isEqualTo(1000);
        assertThat(u.outstandingTokens()).isEqualTo(300);
        cluster.withdrawDispatch(new Assignment(request(3, 400), new DpUnitId("gone", 0)), MS);
        assertThat(u.outstandingTokens()).isEqualTo(300);
    }

    @Test
    void withdrawDispatch_theOnlyDispatchToAnIdleInstance_leavesItReady() {
        dispatch(1, 0, 300, 0);
        cluster.withdrawDispatch(new Assignment(request(1, 300), new DpUnitId("p0", 0)), 0);
        assertThat(cluster.ready(p0, MS)).as("nothing was sent, the engine is idle").isTrue();
        assertThat(cluster.checkWatchdogs(Phase.PREFILL, 10_000 * MS)).as("no spurious watchdog fire").isEmpty();
    }

    @Test
    void completions_releaseRouterSideAccounting() {
        cluster.addInstance("d0", Phase.DECODE, 1, 1, 10_000, 0);
        dispatch(1, 0, 300, 0);
        cluster.recordDispatch(new Assignment(request(2, 10, 10), new DpUnitId("d0", 0)), Phase.DECODE, 0);
        cluster.onPrefillCompleted(new DpUnitId("p0", 0), 1, 300, 60 * MS, 60 * MS);
        cluster.onDecodeCompleted(new DpUnitId("d0", 0));
        assertThat(cluster.unit(new DpUnitId("p0", 0)).outstandingTokens()).isZero();
        assertThat(cluster.unit(new DpUnitId("d0", 0)).outstandingRequests()).isZero();
        assertThat(p0.outstandingTokens()).isZero();
    }

    @Test
    void predictedPassEnd_idleInstance_isMinValue() {
        assertThat(cluster.predictedPassEnd(p0)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void predictedPassEnd_beforeAnyReport_isStartPlusMeanForward() {
        dispatch(1, 0, 300, 5 * MS);
        assertThat(cluster.predictedPassEnd(p0)).isEqualTo(105 * MS);
    }

    @Test
    void predictedPassEnd_usesThePassTimeModelOnTheRunningPassTokens() {
        // passes whose time is 20 ms + 0.1 ms per token on the most loaded unit
        long t = 0;
        for (int i = 0; i < 12; i++) {
            long max = 100 + 150L * i;
            long duration = 20 * MS + max * MS / 10;
            t += duration;
            cluster.onForwardEnded(Fixtures.ended("p1", t, duration, new long[] {max, max / 2}, new long[2],
                    new long[2], new long[2]), t);
        }
        cluster.onForwardEnded(Fixtures.ended("p0", t, 50 * MS, new long[] {300, 300}, new long[2],
                new long[] {800, 200}, new long[2]), t);
        assertThat(cluster.predictedPassEnd(p0) - t).isBetween(99 * MS, 101 * MS);
    }

    @Test
    void dispatchHorizon_isTauNetPlusTheLargerOfGuardFractionAndSigmas() {
        cluster.recordDispatchLatency(Phase.PREFILL, 4 * MS);
        // cold: T̄ 100 ms; σ falls back to T̄/10 = 10 ms; 3 σ = 30 ms > 2% of T̄
        assertThat(cluster.dispatchHorizonNanos(Phase.PREFILL)).isEqualTo(4 * MS + 30 * MS);
        ClusterState wide = Fixtures.prefillCluster(SchedulingPolicy.builder().dispatchGuardFraction(0.5)
                .dispatchGuardSigmas(1).build(), 2, 2, 1000);
        assertThat(wide.dispatchHorizonNanos(Phase.PREFILL)).isEqualTo(50 * MS);
    }

    @Test
    void ready_idleInstance_isReadyAtAnyTime() {
        assertThat(cluster.ready(p0, 0)).isTrue();
        assertThat(cluster.ready(p0, Long.MAX_VALUE / 2)).isTrue();
    }

    @Test
    void ready_runningInstance_onlyInsideItsTopUpWindow() {
        dispatch(1, 0, 300, 0);
        // end at 100 ms; horizon 30 ms (3 σ of 10 ms), latest 15 ms (1.5 σ) before it
        assertThat(cluster.ready(p0, 69 * MS)).isFalse();
        assertThat(cluster.ready(p0, 70 * MS)).isTrue();
        assertThat(cluster.ready(p0, 85 * MS)).isTrue();
        assertThat(cluster.ready(p0, 86 * MS)).isFalse();
        assertThat(cluster.ready(p0, 150 * MS)).isFalse();
    }

    @Test
    void interval_usesTheHealthyInstanceCount() {
        cluster.onForwardEnded(Fixtures.endedIdle("p0", 2, 120 * MS, 120 * MS), 120 * MS);
        assertThat(cluster.intervalNanos(Phase.PREFILL)).isEqualTo(60 * MS);
        cluster.instance("p1").draining(true);
        assertThat(cluster.intervalNanos(Phase.PREFILL)).isEqualTo(120 * MS);
    }

    @Test
    void policy_replacedWithTheSameWindow_keepsSamples_andAppliesThePin() {
        cluster.onForwardEnded(Fixtures.endedIdle("p0", 2, 120 * MS, 120 * MS), 120 * MS);
        cluster.policy(cluster.policy().toBuilder().pinnedInterval(Duration.ofMillis(7)).build());
        assertThat(cluster.intervalNanos(Phase.PREFILL)).isEqualTo(7 * MS);
        cluster.policy(cluster.policy().toBuilder().pinnedInterval(Duration.ZERO).build());
        assertThat(cluster.intervalNanos(Phase.PREFILL)).isEqualTo(60 * MS);
    }

    @Test
    void policy_replacedWithAnotherWindow_startsNewWindows() {
        cluster.onForwardEnded(Fixtures.endedIdle("p0", 2, 120 * MS, 120 * MS), 120 * MS);
        cluster.policy(cluster.policy().toBuilder().windowSamples(8).build());
        assertThat(cluster.intervalNanos(Phase.PREFILL)).isEqualTo(50 * MS);
        assertThat(cluster.policy().windowSamples()).isEqualTo(8);
    }

    @Test
    void policy_replacedWatchdogFactor_appliesToTheNextArming() {
        cluster.policy(cluster.policy().toBuilder().watchdogFactor(5).build());
        dispatch(1, 0, 300, 0);
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(500 * MS);
    }

    @Test
    void dispatchLatencyBound_oneOutlier_isCappedAtHalfAMeanPass() {
        cluster.onForwardEnded(Fixtures.endedIdle("p0", 2, 100 * MS, 100 * MS), 100 * MS);
        cluster.recordDispatchLatency(Phase.PREFILL, 2 * MS);
        assertThat(cluster.dispatchLatencyBoundNanos(Phase.PREFILL)).isEqualTo(2 * MS);
        cluster.recordDispatchLatency(Phase.PREFILL, 5_000 * MS);
        assertThat(cluster.dispatchLatencyBoundNanos(Phase.PREFILL)).isEqualTo(50 * MS);
        assertThat(cluster.dispatchHorizonNanos(Phase.PREFILL)).isLessThan(100 * MS);
    }

    @Test
    void observeForwardEnded_onAStandby_teachesTheMeanForwardPassFromPushes_withoutArmingTheWatchdog() {
        for (int i = 1; i <= 4; i++) {
            cluster.observeForwardEnded(Fixtures.ended("p0", i * 20 * MS, 16 * MS, new long[] {300, 0},
                    new long[] {300, 0}, new long[] {300, 0}, new long[2]), i * 20 * MS);
        }
        assertThat(cluster.meanForwardNanos(Phase.PREFILL)).isEqualTo(16 * MS);
        assertThat(cluster.forwardFromPushes(Phase.PREFILL)).isTrue();
        assertThat(p0.passRunning()).as("the engine said its next pass runs").isTrue();
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void priorForward_isTheMeanForwardPass_untilThisNodeMeasuresOne() {
        cluster.priorForward(Phase.PREFILL, 16 * MS, true);
        assertThat(cluster.meanForwardNanos(Phase.PREFILL)).isEqualTo(16 * MS);
        assertThat(cluster.forwardFromPushes(Phase.PREFILL)).isTrue();
        cluster.onForwardEnded(Fixtures.endedIdle("p0", 2, 30 * MS, 20 * MS), 30 * MS);
        assertThat(cluster.meanForwardNanos(Phase.PREFILL)).isEqualTo(20 * MS);
    }
}
