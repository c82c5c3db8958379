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
 * except {@code K = 3}: cold-start {@code Δ} and {@code T̄_fwd} 50 ms, {@code τ_net} 0, dispatch guard 3 σ
 * with σ = T̄/10 = 5 ms until six passes are measured, so the top-up window before a pass end {@code E} is
 * {@code [E − 15 ms, E − 7.5 ms]}.
 */
class StaggeredPrefillDispatchTest {

    private final ClusterState cluster = Fixtures.prefillCluster(
            SchedulingPolicy.builder().name(PolicyRegistry.SBS).overloadCycles(3).build(), 1, 2, 1000);
    private final StaggeredPrefillDispatch dispatch = new StaggeredPrefillDispatch(cluster, new WaterFillingPrefillAllocator());
    private final InstanceState p0 = cluster.instance("p0");

    /** A request of {@code prompt} tokens arriving at {@code at}. */
    private static InferenceRequest arriving(long id, int prompt, long at) {
        return new InferenceRequest(id, prompt, 100, at);
    }

    private DpUnitState unit(int rank) {
        return cluster.unit(new DpUnitId("p0", rank));
    }

    /** Puts p0 in a pass that started at 50 ms and is predicted to end at 100 ms (T̄_fwd 50 ms). */
    private void runningPassFrom50ms() {
        runningPassFrom50ms(0, 0);
    }

    /** The same, with {@code backlog0} and {@code backlog1} tokens queued beyond that pass on each unit. */
    private void runningPassFrom50ms(long backlog0, long backlog1) {
        assertThat(dispatch.onArrival(request(1, 400), 0)).hasSize(1);
        cluster.onForwardEnded(Fixtures.ended("p0", 50 * MS, 50 * MS, new long[] {400, 0}, new long[] {400, 0},
                new long[] {0, 10}, new long[] {backlog0, backlog1}), 50 * MS);
        assertThat(cluster.predictedPassEnd(p0)).isEqualTo(100 * MS);
    }

    @Test
    void arrival_withIdleInstance_dispatchesAtOnce_andRecordsTheDecision() {
        List<Assignment> sent = dispatch.onArrival(request(1, 400), 0);
        assertThat(sent).extracting(Assignment::unit).containsExactly(new DpUnitId("p0", 0));
        assertThat(dispatch.buffered()).isZero();
        assertThat(p0.passRunning()).isTrue();
        assertThat(unit(0).availableCapacity()).as("it runs the pass it starts, not the next").isEqualTo(1000);
        assertThat(unit(0).outstandingTokens()).isEqualTo(400);
    }

    @Test
    void arrival_everyInstanceBusy_isBuffered() {
        runningPassFrom50ms();
        assertThat(dispatch.onArrival(arriving(2, 300, 60 * MS), 60 * MS)).isEmpty();
        assertThat(dispatch.onArrival(arriving(3, 300, 61 * MS), 61 * MS)).isEmpty();
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
    void tick_beforeTheWindow_keepsBuffering() {
        runningPassFrom50ms();
        dispatch.onArrival(arriving(2, 300, 60 * MS), 60 * MS);
        assertThat(dispatch.onTick(70 * MS)).isEmpty();
        assertThat(dispatch.buffered()).isEqualTo(1);
    }

    /**
     * Before the window opens (15 ms before the predicted end at 100 ms, later with a slower dispatch
     * path), holding costs nothing: the top-up will land in the same pass. From its opening the request
     * goes; after the window closes (7.5 ms before the end) it still goes at once, as the pass can still be
     * made more often than not, which beats waiting a whole pass for the next window.
     */
    @ParameterizedTest(name = "τ_net {0} ms, tick at {1} ms: dispatch {2}")
    @CsvSource({"0, 84, false", "0, 85, true", "0, 88, true", "0, 92, true", "0, 93, true", "0, 99, true",
            "5, 79, false", "5, 80, true", "5, 84, true", "5, 88, true"})
    void tick_runningInstance_heldUntilItsTopUpWindow_thenSent(long tauMs, long tickMs, boolean dispatched) {
        if (tauMs > 0) {
            cluster.recordDispatchLatency(Phase.PREFILL, tauMs * MS);
        }
        runningPassFrom50ms();
        dispatch.onArrival(arriving(2, 300, 60 * MS), 60 * MS);
        assertThat(dispatch.onTick(tickMs * MS)).hasSize(dispatched ? 1 : 0);
        assertThat(dispatch.buffered()).isEqualTo(dispatched ? 0 : 1);
    }

    @Test
    void arrival_insideTheTopUpWindow_dispatchesAtOnce() {
        runningPassFrom50ms();
        assertThat(dispatch.onArrival(arriving(2, 300, 88 * MS), 88 * MS)).hasSize(1);
    }

    @Test
    void window_packsWhatWasHeldLongestFirst_andSendsWhatDoesNotFitWhereItFinishesFirst() {
        // unit 0 has 600 tokens of room in the next pass, unit 1 none
        runningPassFrom50ms(400, 990);
        assertThat(dispatch.onArrival(arriving(2, 500, 60 * MS), 60 * MS)).isEmpty();
        assertThat(dispatch.onArrival(arriving(3, 600, 61 * MS), 61 * MS)).isEmpty();
        List<Assignment> sent = dispatch.onTick(85 * MS);
        assertThat(sent).extracting(a -> a.request().id()).containsExactly(3L, 2L);
        assertThat(sent.get(0).unit()).as("the longer prompt takes the room whole").isEqualTo(new DpUnitId("p0", 0));
        assertThat(dispatch.buffered()).isZero();
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

    /** Regression (fixed in 601d28c): an expired watchdog used to be ignored, the tick came Δ later. */
    @Test
    void nextTickAt_watchdogDueButNotYetChecked_isTheVeryNextNanosecond() {
        dispatch.onArrival(request(1, 400), 0);
        long deadline = p0.watchdogDeadlineNanos();
        assertThat(deadline).isEqualTo(150 * MS);
        assertThat(dispatch.nextTickAt(deadline)).isEqualTo(deadline + 1);
        assertThat(dispatch.nextTickAt(deadline + 5 * MS)).isEqualTo(deadline + 5 * MS + 1);
    }

    @Test
    void arrival_atAnExpiredWatchdog_firesIt_andSendsToTheInstanceItForcedIdle() {
        dispatch.onArrival(request(1, 400), 0);
        long deadline = p0.watchdogDeadlineNanos();
        assertThat(ids(dispatch.onArrival(request(2, 400), deadline))).containsExactly(2L);
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
    void overload_requestsExpectedToWaitMoreThanKPassesForKPasses_turnItOn_andItGoesOffWhenTheQueueClears() {
        // 10,000 tokens queued on each unit: a new prompt waits ten passes of 50 ms, K is 3
        runningPassFrom50ms(10_000, 10_000);
        assertThat(dispatch.onTick(86 * MS)).isEmpty();
        assertThat(dispatch.onArrival(arriving(2, 300, 86 * MS), 86 * MS)).as("sent where it finishes first").hasSize(1);
        assertThat(dispatch.overloaded()).as("a burst that may drain is not refused at once").isFalse();
        // with nothing buffered, ticks follow what a request sent now would wait (admission refuses while
        // the flag is on, so no decision would renew it): still more than K passes, K passes later
        assertThat(dispatch.onTick(200 * MS)).isEmpty();
        assertThat(dispatch.overloaded()).isFalse();
        assertThat(dispatch.onTick(240 * MS)).isEmpty();
        assertThat(dispatch.overloaded()).isTrue();
        cluster.onForwardEnded(Fixtures.endedIdle("p0", 2, 250 * MS, 50 * MS), 250 * MS);
        assertThat(dispatch.onTick(251 * MS)).isEmpty();
        assertThat(dispatch.overloaded()).as("the queue cleared: the next tick lifts it").isFalse();
        dispatch.onArrival(arriving(3, 300, 252 * MS), 252 * MS);
        assertThat(dispatch.overloaded()).isFalse();
    }

    @Test
    void overload_aBurstThatDrainsWithinKPasses_neverTurnsItOn() {
        runningPassFrom50ms(10_000, 10_000);
        dispatch.onArrival(arriving(2, 300, 86 * MS), 86 * MS);
        // the engine reports its queue gone before K passes went by
        cluster.onForwardEnded(Fixtures.endedIdle("p0", 2, 150 * MS, 50 * MS), 150 * MS);
        assertThat(dispatch.onTick(151 * MS)).isEmpty();
        assertThat(dispatch.onTick(300 * MS)).isEmpty();
        assertThat(dispatch.overloaded()).isFalse();
    }

    @Test
    void overload_aRequestNoInstanceTakesForKPasses_turnsItOn_andCancellingItLiftsIt() {
        p0.draining(true);
        dispatch.onArrival(request(7, 300), 0);
        dispatch.onTick(100 * MS);
        assertThat(dispatch.overloaded()).isFalse();
        dispatch.onTick(151 * MS);
        assertThat(dispatch.overloaded()).isTrue();
        assertThat(dispatch.cancel(7)).isTrue();
        assertThat(dispatch.buffered()).isZero();
        assertThat(dispatch.overloaded()).isFalse();
        assertThat(dispatch.cancel(7)).isFalse();
    }

    @Test
    void drain_givesUpTheBufferInArrivalOrder_andForgetsIt() {
        runningPassFrom50ms();
        dispatch.onArrival(arriving(3, 300, 61 * MS), 61 * MS);
        dispatch.onArrival(arriving(2, 300, 60 * MS), 60 * MS);
        assertThat(dispatch.drain()).extracting(InferenceRequest::id).containsExactly(2L, 3L);
        assertThat(dispatch.buffered()).isZero();
        assertThat(dispatch.drain()).isEmpty();
    }
}
