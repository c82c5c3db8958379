package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The triple check (paper section 4.1.2) through the cluster state's signal entry points: EndForward,
 * quiescence polling and the watchdog, and the degraded mode when every signal is lost.
 *
 * <p>Default policy: {@code Δ} 50 ms at cold start, {@code k_w = 3}, suspect after 3 fires. With two
 * instances and no pass reported, {@code T̄_fwd} is the cold-start stand-in 50 ms x 2 = 100 ms, so the
 * watchdog fires 300 ms after a dispatch.
 */
class TripleCheckReadinessTest {

    private final ClusterState cluster = Fixtures.prefillCluster(2, 2, 1000);
    private final InstanceState p0 = cluster.instance("p0");
    private final InstanceState p1 = cluster.instance("p1");

    private static void dispatch(ClusterState c, String instance, long id, int rank, int prompt, long now) {
        c.recordDispatch(new Assignment(request(id, prompt), new DpUnitId(instance, rank)), Phase.PREFILL, now);
    }

    private void dispatch(long id, int rank, int prompt, long now) {
        dispatch(cluster, "p0", id, rank, prompt, now);
    }

    /** Sends work to {@code inst} at {@code now} and lets its watchdog expire; returns the fire time. */
    private static long fire(ClusterState c, InstanceState inst, long now) {
        dispatch(c, inst.id(), now, 0, 10, now);
        long deadline = inst.watchdogDeadlineNanos();
        assertThat(c.checkWatchdogs(Phase.PREFILL, deadline)).contains(inst);
        return deadline;
    }

    @Test
    void dispatch_toIdleInstance_runsAPassAndArmsTheWatchdogAtKwTimesMeanForward() {
        dispatch(1, 0, 300, 0);
        assertThat(p0.passRunning()).isTrue();
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(3 * 100 * MS);
        assertThat(cluster.ready(p0, MS)).isFalse();
    }

    @Test
    void forwardEnded_noNextPass_makesInstanceIdleAndReady_andDisarmsTheWatchdog() {
        dispatch(1, 0, 300, 0);
        cluster.onForwardEnded(Fixtures.ended("p0", 80 * MS, 80 * MS, new long[] {300, 0}, new long[] {300, 0},
                new long[] {0, 0}, new long[] {0, 0}), 82 * MS);
        assertThat(p0.passRunning()).isFalse();
        assertThat(cluster.ready(p0, 82 * MS)).isTrue();
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(cluster.checkWatchdogs(Phase.PREFILL, 10_000 * MS)).isEmpty();
        assertThat(cluster.unit(new DpUnitId("p0", 0)).availableCapacity()).isEqualTo(1000);
    }

    @Test
    void forwardEnded_nextPassStarted_runsFromTheReportedEnd_andRearmsTheWatchdogFromNow() {
        dispatch(1, 0, 300, 0);
        cluster.onForwardEnded(Fixtures.ended("p0", 80 * MS, 80 * MS, new long[] {300, 0}, new long[] {300, 0},
                new long[] {0, 600}, new long[] {0, 200}), 82 * MS);
        assertThat(p0.passRunning()).isTrue();
        assertThat(p0.passStartedNanos()).isEqualTo(80 * MS);
        // re-armed at receipt with T̄_fwd = 80 ms, the one reported pass
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(82 * MS + 3 * 80 * MS);
        assertThat(cluster.predictedPassEnd(p0)).isEqualTo(160 * MS);
        assertThat(cluster.unit(new DpUnitId("p0", 1)).deviceBacklogTokens()).isEqualTo(200);
        assertThat(cluster.ready(p0, 100 * MS)).isFalse();
    }

    @Test
    void forwardEnded_feedsMeanForward() {
        cluster.onForwardEnded(Fixtures.endedIdle("p0", 2, 40 * MS, 40 * MS), 40 * MS);
        cluster.onForwardEnded(Fixtures.endedIdle("p1", 2, 80 * MS, 60 * MS), 80 * MS);
        assertThat(cluster.meanForwardNanos(Phase.PREFILL)).isEqualTo(50 * MS);
    }

    @Test
    void forwardEnded_reportOlderThanOurLaterDispatch_keepsTheInstanceRunningFromThatArrival() {
        cluster.recordDispatchLatency(Phase.PREFILL, 5 * MS);
        dispatch(1, 0, 300, 0);
        cluster.onForwardEnded(Fixtures.ended("p0", 60 * MS, 55 * MS, new long[] {300, 0}, new long[] {300, 0},
                new long[] {0, 0}, new long[] {0, 0}), 62 * MS);
        dispatch(2, 1, 400, 70 * MS);
        // this report's pass ended at 72 ms, before our second dispatch arrived at 75 ms
        cluster.onForwardEnded(Fixtures.endedIdle("p0", 2, 72 * MS, 10 * MS), 74 * MS);
        assertThat(p0.passRunning()).isTrue();
        assertThat(p0.passStartedNanos()).isEqualTo(75 * MS);
        assertThat(p0.watchdogDeadlineNanos()).isNotEqualTo(Long.MAX_VALUE);
        assertThat(cluster.unit(new DpUnitId("p0", 1)).availableCapacity()).isEqualTo(1000);
    }

    @Test
    void loadPolled_quiescent_makesARunningInstanceReady_andClearsItsBacklog() {
        dispatch(1, 0, 300, 0);
        // 1700 tokens join the same pass on unit 1: 700 of them are left for the next
        dispatch(2, 1, 1700, 0);
        assertThat(cluster.unit(new DpUnitId("p0", 1)).deviceBacklogTokens()).isEqualTo(700);
        cluster.onLoadPolled("p0", true, 10 * MS, 12 * MS);
        assertThat(p0.passRunning()).isFalse();
        assertThat(cluster.ready(p0, 12 * MS)).isTrue();
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(cluster.unit(new DpUnitId("p0", 1)).deviceBacklogTokens()).isZero();
    }

    @Test
    void loadPolled_quiescentSampleTakenBeforeOurDispatchArrived_isIgnored() {
        cluster.recordDispatchLatency(Phase.PREFILL, 5 * MS);
        dispatch(1, 0, 300, 10 * MS);
        cluster.onLoadPolled("p0", true, 12 * MS, 14 * MS);
        assertThat(p0.passRunning()).isTrue();
        assertThat(p0.passStartedNanos()).as("it starts on arrival at 15 ms").isEqualTo(15 * MS);
        assertThat(cluster.unit(new DpUnitId("p0", 0)).startingPassTokens()).isEqualTo(300);
    }

    @Test
    void loadPolled_busy_leavesReadinessAlone() {
        dispatch(1, 0, 300, 0);
        long deadline = p0.watchdogDeadlineNanos();
        cluster.onLoadPolled("p0", false, 10 * MS, 12 * MS);
        assertThat(p0.passRunning()).isTrue();
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(deadline);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 3.0, 4.5})
    void watchdog_firesExactlyKwTimesMeanForwardAfterTheDispatch(double kw) {
        ClusterState c = Fixtures.prefillCluster(SchedulingPolicy.builder().watchdogFactor(kw).build(), 2, 2, 1000);
        c.onForwardEnded(Fixtures.endedIdle("p0", 2, 40 * MS, 40 * MS), 40 * MS);
        dispatch(c, "p0", 1, 0, 100, 1_000 * MS);
        long deadline = 1_000 * MS + (long) (kw * 40 * MS);
        assertThat(c.instance("p0").watchdogDeadlineNanos()).isEqualTo(deadline);
        assertThat(c.checkWatchdogs(Phase.PREFILL, deadline - 1)).isEmpty();
        assertThat(c.checkWatchdogs(Phase.PREFILL, deadline)).extracting(InstanceState::id).containsExactly("p0");
    }

    @Test
    void watchdog_fire_forcesIdle_resetsInflightAndBacklog_countsAndDisarms() {
        dispatch(1, 0, 300, 0);
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 1)), 500);
        Fixtures.backlog(cluster.unit(new DpUnitId("p0", 1)), 400);
        assertThat(cluster.checkWatchdogs(Phase.PREFILL, 299 * MS)).isEmpty();
        assertThat(cluster.checkWatchdogs(Phase.PREFILL, 300 * MS)).containsExactly(p0);
        assertThat(p0.passRunning()).isFalse();
        assertThat(cluster.ready(p0, 300 * MS)).isTrue();
        assertThat(p0.watchdogFires()).isEqualTo(1);
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(cluster.unit(new DpUnitId("p0", 1)).availableCapacity()).isEqualTo(1000);
        assertThat(cluster.checkWatchdogs(Phase.PREFILL, 10_000 * MS)).isEmpty();
        assertThat(p0.watchdogFires()).isEqualTo(1);
    }

    @Test
    void watchdog_secondDispatchWhileArmed_keepsTheFirstDeadline() {
        dispatch(1, 0, 300, 0);
        dispatch(2, 1, 300, 50 * MS);
        assertThat(p0.watchdogDeadlineNanos()).isEqualTo(300 * MS);
    }

    @Test
    void watchdog_idleInstance_neverFires() {
        assertThat(cluster.checkWatchdogs(Phase.PREFILL, Long.MAX_VALUE - 1)).isEmpty();
        assertThat(cluster.nextWatchdogDeadline(Phase.PREFILL)).isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5})
    void watchdog_suspectAfterFiresConsecutiveFires_marksSuspect_removesFromNAndCandidates(int suspectAfter) {
        ClusterState c = Fixtures.prefillCluster(SchedulingPolicy.builder().suspectAfterFires(suspectAfter).build(), 2, 2, 1000);
        InstanceState i0 = c.instance("p0");
        long t = 0;
        for (int i = 0; i < suspectAfter - 1; i++) {
            t = fire(c, i0, t);
        }
        assertThat(i0.suspect()).isFalse();
        assertThat(c.healthyInstances(Phase.PREFILL)).isEqualTo(2);
        fire(c, i0, t);
        assertThat(i0.suspect()).isTrue();
        assertThat(i0.healthy()).isFalse();
        assertThat(i0.watchdogFires()).isEqualTo(suspectAfter);
        assertThat(c.healthyInstances(Phase.PREFILL)).isEqualTo(1);
        assertThat(c.candidates(Phase.PREFILL)).extracting(InstanceState::id).containsExactly("p1");
    }

    @Test
    void suspect_leavesN_soTheIntervalUsesTheHealthyOnes() {
        cluster.onForwardEnded(Fixtures.endedIdle("p1", 2, 100 * MS, 100 * MS), 100 * MS);
        assertThat(cluster.intervalNanos(Phase.PREFILL)).isEqualTo(50 * MS);
        long t = 200 * MS;
        for (int i = 0; i < 3; i++) {
            t = fire(cluster, p0, t);
        }
        assertThat(cluster.intervalNanos(Phase.PREFILL)).isEqualTo(100 * MS);
    }

    static Stream<Arguments> signals() {
        return Stream.of(
                Arguments.of(Named.<BiConsumer<ClusterState, Long>>of("EndForward, idle",
                        (c, t) -> c.onForwardEnded(Fixtures.endedIdle("p0", 2, t, 40 * MS), t))),
                Arguments.of(Named.<BiConsumer<ClusterState, Long>>of("EndForward, next pass started",
                        (c, t) -> c.onForwardEnded(Fixtures.ended("p0", t, 40 * MS, new long[] {10, 0},
                                new long[] {0, 0}, new long[] {10, 0}, new long[] {0, 0}), t))),
                Arguments.of(Named.<BiConsumer<ClusterState, Long>>of("quiescent poll",
                        (c, t) -> c.onLoadPolled("p0", true, t, t))),
                Arguments.of(Named.<BiConsumer<ClusterState, Long>>of("busy poll",
                        (c, t) -> c.onLoadPolled("p0", false, t, t))));
    }

    @ParameterizedTest
    @MethodSource("signals")
    void suspect_anySignal_makesTheInstanceHealthyAgain(BiConsumer<ClusterState, Long> signal) {
        long t = 0;
        for (int i = 0; i < 3; i++) {
            t = fire(cluster, p0, t);
        }
        assertThat(p0.suspect()).isTrue();
        signal.accept(cluster, t + MS);
        assertThat(p0.suspect()).isFalse();
        assertThat(cluster.healthyInstances(Phase.PREFILL)).isEqualTo(2);
        assertThat(cluster.candidates(Phase.PREFILL)).containsExactly(p0, p1);
    }

    @ParameterizedTest
    @MethodSource("signals")
    void watchdog_firesSeparatedByASignal_doNotAddUpToSuspicion(BiConsumer<ClusterState, Long> signal) {
        long t = fire(cluster, p0, 0);
        t = fire(cluster, p0, t);
        signal.accept(cluster, t + MS);
        t = fire(cluster, p0, t + 2 * MS);
        t = fire(cluster, p0, t);
        assertThat(p0.watchdogFires()).isEqualTo(4);
        assertThat(p0.suspect()).isFalse();
    }

    @Test
    void candidates_everyInstanceSuspect_returnsThemAll_soDispatchNeverDeadlocks() {
        long t = 0;
        for (InstanceState inst : List.of(p0, p1)) {
            for (int i = 0; i < 3; i++) {
                t = fire(cluster, inst, t);
            }
        }
        assertThat(cluster.healthyInstances(Phase.PREFILL)).isZero();
        assertThat(cluster.candidates(Phase.PREFILL)).containsExactly(p0, p1);
        // N counts as 1 for the interval: Δ stays defined
        assertThat(cluster.intervalNanos(Phase.PREFILL)).isEqualTo(50 * MS);
    }

    @Test
    void candidates_everyInstanceSuspectOrDraining_neverReturnsADrainingOne() {
        long t = 0;
        for (int i = 0; i < 3; i++) {
            t = fire(cluster, p0, t);
        }
        p1.draining(true);
        assertThat(cluster.candidates(Phase.PREFILL)).containsExactly(p0);
        p0.draining(true);
        assertThat(cluster.candidates(Phase.PREFILL)).isEmpty();
    }

    /**
     * A dispatch loop as the simulator and the live service run one: a single tick kept scheduled at
     * {@code nextTickAt}, replaced by an earlier one or, once its time has come, by the next. Arrivals come
     * every {@code arrivalEvery}; on a tie with the tick they run first when {@code arrivalsFirst} (so the
     * due tick is superseded by the one asked for after the arrival). Returns, per instance, the times it
     * was sent work.
     */
    private static Map<String, List<Long>> run(PhaseDispatch dispatch, long arrivalEvery, boolean arrivalsFirst,
            long until) {
        Map<String, List<Long>> sent = new TreeMap<>();
        long nextArrival = 0;
        long tick = dispatch.nextTickAt(0);
        long id = 0;
        while (Math.min(nextArrival, tick) < until) {
            long now;
            List<Assignment> out;
            if (nextArrival < tick || (arrivalsFirst && nextArrival == tick)) {
                now = nextArrival;
                out = dispatch.onArrival(request(id++, 300), now);
                nextArrival += arrivalEvery;
            } else {
                now = tick;
                tick = Long.MAX_VALUE;
                out = dispatch.onTick(now);
            }
            for (Assignment a : out) {
                List<Long> times = sent.computeIfAbsent(a.unit().instanceId(), k -> new ArrayList<>());
                if (times.isEmpty() || times.get(times.size() - 1) != now) {
                    times.add(now);
                }
            }
            long next = dispatch.nextTickAt(now);
            assertThat(next).as("nextTickAt(%d)", now).isGreaterThan(now);
            if (next < tick || tick <= now) {
                tick = next;
            }
        }
        return sent;
    }

    /**
     * No EndForward and no poll ever: only the watchdog frees an instance. Two instances of two units,
     * cold-start {@code Δ} 10 ms, 300-token prompts every 2 ms (so arrivals land on every tick time).
     */
    @ParameterizedTest(name = "arrivals first on ties: {0}")
    @ValueSource(booleans = {false, true})
    void everySignalLost_staggeredDispatch_stillSendsEachInstanceABatchEveryWatchdogPeriod(boolean arrivalsFirst) {
        ClusterState c = Fixtures.prefillCluster(SchedulingPolicy.builder().defaultInterval(Duration.ofMillis(10)).build(),
                2, 2, 1000);
        StaggeredPrefillDispatch dispatch = new StaggeredPrefillDispatch(c, new WaterFillingPrefillAllocator());
        Map<String, List<Long>> sent = run(dispatch, 2 * MS, arrivalsFirst, 1_000 * MS);

        assertThat(c.healthyInstances(Phase.PREFILL)).isZero();
        assertThat(c.candidates(Phase.PREFILL)).hasSize(2);
        // degraded: N counts as 1, T̄_fwd is the 10 ms default, the watchdog period 3 x 10 ms
        long period = 30 * MS;
        for (String instance : List.of("p0", "p1")) {
            assertThat(c.instance(instance).watchdogFires()).as("fires of %s", instance).isGreaterThanOrEqualTo(25);
            List<Long> late = sent.get(instance).stream().filter(t -> t >= 500 * MS).toList();
            assertThat(late).as("batches to %s in the last 500 ms", instance).hasSizeGreaterThanOrEqualTo(500 / 30);
            for (int i = 1; i < late.size(); i++) {
                assertThat(late.get(i) - late.get(i - 1)).as("gap before the batch at %d ns to %s", late.get(i), instance)
                        .isLessThanOrEqualTo(period + 1);
            }
        }
        assertThat(dispatch.buffered()).as("buffer keeps up at 500 requests/s").isLessThan(50);
    }
}
