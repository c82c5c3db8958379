package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.ids;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Staggered prefill dispatch on one instance of two units ({@code C_max} 1000) with the default policy
 * except {@code K = 3}: cold-start {@code Δ} 50 ms, dispatch guard 3 σ with σ = T̄/10 until six passes are
 * reported.
 */
class StaggeredPrefillDispatchTest {

    private final ClusterState cluster = Fixtures.prefillCluster(
            SchedulingPolicy.builder().name(PolicyRegistry.SBS).overloadCycles(3).build(), 1, 2, 1000);
    private final StaggeredPrefillDispatch dispatch = new StaggeredPrefillDispatch(cluster, new WaterFillingPrefillAllocator());
    private final InstanceState p0 = cluster.instance("p0");

    private DpUnitState unit(int rank) {
        return cluster.unit(new DpUnitId("p0", rank));
    }

    /** Puts p0 in a pass that started at 50 ms and is predicted to end at 100 ms (T̄_fwd 50 ms). */
    private void runningPassFrom50ms() {
        assertThat(dispatch.onArrival(request(1, 400), 0)).hasSize(1);
        cluster.onForwardEnded(Fixtures.ended("p0", 50 * MS, 50 * MS, new long[] {400, 0}, new long[] {400, 0},
                new long[] {0, 10}, new long[] {0, 0}), 50 * MS);
        assertThat(cluster.predictedPassEnd(p0)).isEqualTo(100 * MS);
    }

    @Test
    void arrival_withIdleInstance_dispatchesAtOnce_andRecordsTheDecision() {
        List<Assignment> sent = dispatch.onArrival(request(1, 400), 0);
        assertThat(sent).extracting(Assignment::unit).containsExactly(new DpUnitId("p0", 0));
        assertThat(dispatch.buffered()).isZero();
        assertThat(p0.passRunning()).isTrue();
        assertThat(unit(0).startingPassTokens()).isEqualTo(400);
        assertThat(unit(0).outstandingTokens()).isEqualTo(400);
    }

    @Test
    void arrival_everyInstanceBusy_isBuffered() {
        runningPassFrom50ms();
        assertThat(dispatch.onArrival(request(2, 300), 60 * MS)).isEmpty();
        assertThat(dispatch.onArrival(request(3, 300), 61 * MS)).isEmpty();
        assertThat(dispatch.buffered()).isEqualTo(2);
    }

    @Test
    void arrival_someInstanceIdle_dispatchesAtOnceToTheIdleOne() {
        ClusterState c = Fixtures.prefillCluster(2, 2, 1000);
        StaggeredPrefillDispatch d = new StaggeredPrefillDispatch(c, new WaterFillingPrefillAllocator());
        c.recordDispatch(new Assignment(request(1, 900), new DpUnitId("p0", 0)), Phase.PREFILL, 0);
        c.recordDispatch(new Assignment(request(2, 900), new DpUnitId("p0", 1)), Phase.PREFILL, 0);
        List<Assignment> sent = d.onArrival(request(3, 300), 10 * MS);
        assertThat(sent).extracting(a -> a.unit().instanceId()).containsExactly("p1");
        assertThat(d.buffered()).isZero();
    }

    @Test
    void tick_everyInstanceBusy_keepsBuffering() {
        runningPassFrom50ms();
        dispatch.onArrival(request(2, 300), 60 * MS);
        assertThat(dispatch.onTick(70 * MS)).isEmpty();
        assertThat(dispatch.buffered()).isEqualTo(1);
    }

    /**
     * The top-up window before the predicted end at 100 ms: from τ_net + 3 σ (σ = 5 ms) down to
     * τ_net + 1.5 σ before it.
     */
    @ParameterizedTest(name = "τ_net {0} ms, tick at {1} ms: dispatch {2}")
    @CsvSource({"0, 84, false", "0, 85, true", "0, 88, true", "0, 92, true", "0, 93, false",
            "5, 79, false", "5, 80, true", "5, 84, true", "5, 87, true", "5, 88, false"})
    void tick_runningInstance_toppedUpOnlyWhenItsPassEndIsWithinTauNetPlusGuard(long tauMs, long tickMs,
            boolean dispatched) {
        if (tauMs > 0) {
            cluster.recordDispatchLatency(Phase.PREFILL, tauMs * MS);
        }
        runningPassFrom50ms();
        dispatch.onArrival(request(2, 300), 60 * MS);
        assertThat(dispatch.onTick(tickMs * MS)).hasSize(dispatched ? 1 : 0);
        assertThat(dispatch.buffered()).isEqualTo(dispatched ? 0 : 1);
    }

    @Test
    void arrival_insideTheTopUpWindow_dispatchesAtOnce() {
        runningPassFrom50ms();
        assertThat(dispatch.onArrival(request(2, 300), 88 * MS)).hasSize(1);
    }

    @Test
    void nextTickAt_idleCluster_isNowPlusDelta() {
        assertThat(dispatch.nextTickAt(7 * MS)).isEqualTo(57 * MS);
    }

    @Test
    void nextTickAt_isTheEarlierOfNowPlusDeltaAndTheNextPassBoundary() {
        runningPassFrom50ms();
        // Δ = (T̄ 50 ms + τ 0) / 1 = 50 ms; the boundary tick is 15 ms (τ_net + 3 σ) before the end at 100 ms
        assertThat(dispatch.nextTickAt(10 * MS)).isEqualTo(60 * MS);
        assertThat(dispatch.nextTickAt(60 * MS)).isEqualTo(85 * MS);
        assertThat(dispatch.nextTickAt(86 * MS)).isEqualTo(136 * MS);
    }

    @Test
    void nextTickAt_watchdogDeadlineFirst_isTheDeadline() {
        ClusterState c = Fixtures.prefillCluster(SchedulingPolicy.builder().watchdogFactor(1.0).build(), 1, 2, 1000);
        StaggeredPrefillDispatch d = new StaggeredPrefillDispatch(c, new WaterFillingPrefillAllocator());
        d.onArrival(request(1, 400), 0);
        c.onForwardEnded(Fixtures.ended("p0", 50 * MS, 50 * MS, new long[] {400, 0}, new long[] {400, 0},
                new long[] {0, 10}, new long[] {0, 0}), 50 * MS);
        // the watchdog, re-armed at 50 ms for 1 x 50 ms, is due before now + Δ = 136 ms
        assertThat(d.nextTickAt(86 * MS)).isEqualTo(100 * MS);
    }

    @Test
    void nextTickAt_isAlwaysAfterNow() {
        runningPassFrom50ms();
        for (long t = 0; t < 400 * MS; t += 7 * MS) {
            assertThat(dispatch.nextTickAt(t)).isGreaterThan(t);
        }
    }

    @Test
    void overload_afterKFailedCyclesWithOpenCapacity_turnsOn_andOffOnceTheRequestIsPlaced() {
        unit(0).dispatchPrefill(500, false);
        unit(1).dispatchPrefill(500, false);
        assertThat(dispatch.onArrival(request(7, 900), 0)).isEmpty();
        assertThat(dispatch.overloaded()).isFalse();
        // failures count at most once per interval Δ (50 ms cold, one instance)
        dispatch.onTick(MS);
        dispatch.onTick(50 * MS);
        assertThat(dispatch.overloaded()).isFalse();
        dispatch.onTick(100 * MS);
        assertThat(dispatch.overloaded()).isTrue();
        unit(0).acknowledge(500);
        assertThat(dispatch.onTick(150 * MS)).extracting(a -> a.request().id()).containsExactly(7L);
        assertThat(dispatch.overloaded()).isFalse();
    }

    @Test
    void overload_manyCyclesWithinOneInterval_countAsOne() {
        unit(0).dispatchPrefill(500, false);
        unit(1).dispatchPrefill(500, false);
        dispatch.onArrival(request(7, 900), 0);
        // engine signals and arrivals run cycles far more often than Δ (50 ms) under normal load
        for (long t = MS; t < 50 * MS; t += MS) {
            dispatch.onTick(t);
        }
        assertThat(dispatch.overloaded()).isFalse();
        dispatch.onTick(50 * MS);
        assertThat(dispatch.overloaded()).isFalse();
    }

    @Test
    void overload_cyclesWithoutOpenCapacity_doNotCount() {
        unit(0).dispatchPrefill(1000, false);
        unit(1).dispatchPrefill(1000, false);
        dispatch.onArrival(request(7, 900), 0);
        for (int i = 1; i <= 10; i++) {
            dispatch.onTick(i * 50 * MS);
        }
        assertThat(dispatch.overloaded()).isFalse();
        unit(0).acknowledge(500);
        dispatch.onTick(550 * MS);
        dispatch.onTick(600 * MS);
        assertThat(dispatch.overloaded()).isFalse();
        dispatch.onTick(650 * MS);
        assertThat(dispatch.overloaded()).isTrue();
    }

    @Test
    void carriedOver_goFirstInArrivalOrder_evenAheadOfALongerFreshRequest() {
        unit(0).dispatchPrefill(1000, false);
        unit(1).dispatchPrefill(1000, false);
        dispatch.onArrival(new InferenceRequest(1, 600, 10, 1), 1);
        dispatch.onArrival(new InferenceRequest(2, 500, 10, 2), 2);
        dispatch.onTick(3);
        unit(0).acknowledge(1000);
        // p0 is idle, so the arrival runs a cycle at once: 1000 tokens of room, and the older carried-over
        // request wins over the longer fresh one
        List<Assignment> sent = dispatch.onArrival(new InferenceRequest(3, 1000, 10, 4), 4);
        assertThat(ids(sent)).containsExactly(1L);
        assertThat(dispatch.buffered()).isEqualTo(2);
    }

    @Test
    void requestsThatSatThroughACycle_areCarriedOverInArrivalOrder_notIdOrder() {
        unit(0).dispatchPrefill(1000, false);
        unit(1).dispatchPrefill(1000, false);
        dispatch.onArrival(new InferenceRequest(1, 600, 10, 9), 10);
        dispatch.onArrival(new InferenceRequest(2, 500, 10, 5), 11);
        dispatch.onTick(12);
        unit(0).acknowledge(600);
        // 600 tokens of room: the earlier arrival (id 2) goes first and takes it, 100 tokens are left
        assertThat(ids(dispatch.onTick(13))).containsExactly(2L);
    }

    @Test
    void saturation_moreLeftThanTheInstanceCouldTakeInTwoPasses_fillsPartialRoomNow() {
        unit(0).dispatchPrefill(500, false);
        unit(1).dispatchPrefill(1000, false);
        // the open unit has 500 tokens of room; one-pass prompts of 800 fit only in the saturation fill,
        // which starts once 2 x C_max of the open instance (2000 tokens) would be left waiting
        assertThat(dispatch.onArrival(request(1, 800), 1)).isEmpty();
        assertThat(dispatch.onArrival(request(2, 800), 2)).isEmpty();
        List<Assignment> sent = dispatch.onArrival(request(3, 800), 3);
        assertThat(sent).extracting(Assignment::unit).containsExactly(new DpUnitId("p0", 0));
        assertThat(ids(sent)).containsExactly(1L);
        assertThat(dispatch.buffered()).isEqualTo(2);
    }

    /** Regression (fixed in 601d28c): an expired watchdog used to be ignored, the tick came Δ later. */
    @Test
    void nextTickAt_watchdogDueButNotYetChecked_isTheVeryNextNanosecond() {
        dispatch.onArrival(request(1, 400), 0);
        long deadline = p0.watchdogDeadlineNanos();
        assertThat(deadline).isEqualTo(150 * MS);
        assertThat(dispatch.onArrival(request(2, 400), deadline)).isEmpty();
        assertThat(dispatch.nextTickAt(deadline)).isEqualTo(deadline + 1);
        assertThat(dispatch.nextTickAt(deadline + 5 * MS)).isEqualTo(deadline + 5 * MS + 1);
        assertThat(dispatch.onTick(deadline + 1)).extracting(a -> a.request().id()).containsExactly(2L);
        assertThat(p0.watchdogFires()).isEqualTo(1);
    }

    @Test
    void tick_nothingBuffered_sendsNothing_butStillRunsTheWatchdog() {
        dispatch.onArrival(request(1, 400), 0);
        assertThat(dispatch.onTick(150 * MS)).isEmpty();
        assertThat(p0.watchdogFires()).isEqualTo(1);
        assertThat(p0.passRunning()).isFalse();
    }

    @Test
    void phase_isPrefill_andNeverOverloadedWhenIdle() {
        assertThat(dispatch.phase()).isEqualTo(Phase.PREFILL);
        assertThat(dispatch.overloaded()).isFalse();
        assertThat(dispatch.onTick(MS)).isEmpty();
    }

    @Test
    void drain_givesUpTheBufferInArrivalOrder_andForgetsIt() {
        runningPassFrom50ms();
        dispatch.onArrival(request(3, 300), 61 * MS);
        dispatch.onArrival(request(2, 300), 60 * MS);
        assertThat(dispatch.drain()).extracting(InferenceRequest::id).containsExactly(2L, 3L);
        assertThat(dispatch.buffered()).isZero();
        assertThat(dispatch.drain()).isEmpty();
    }

    @Test
    void cancel_buffered_forgetsIt_andLiftsFlowControlItHeldOn() {
        // open capacity too small for the prompt: it fails a cycle per interval until flow control turns on
        unit(0).dispatchPrefill(500, false);
        unit(1).dispatchPrefill(500, false);
        dispatch.onArrival(request(7, 900), 0);
        dispatch.onTick(MS);
        dispatch.onTick(50 * MS);
        dispatch.onTick(100 * MS);
        assertThat(dispatch.overloaded()).isTrue();
        assertThat(dispatch.cancel(7)).isTrue();
        assertThat(dispatch.buffered()).isZero();
        assertThat(dispatch.overloaded()).isFalse();
        assertThat(dispatch.cancel(7)).isFalse();
    }
}
