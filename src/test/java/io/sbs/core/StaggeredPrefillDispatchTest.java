package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StaggeredPrefillDispatchTest {

    private final ClusterState cluster = Fixtures.prefillCluster(
            SchedulingPolicy.builder().name(PolicyRegistry.SBS).overloadCycles(2).build(), 1, 2, 1000);
    private final StaggeredPrefillDispatch dispatch = new StaggeredPrefillDispatch(cluster, new WaterFillingPrefillAllocator());
    private final InstanceState p0 = cluster.instance("p0");

    /** Puts p0 in a pass that started at 50 ms and is predicted to end at 100 ms. */
    private void runningPassFrom50ms() {
        assertThat(dispatch.onArrival(request(1, 400), 0)).hasSize(1);
        cluster.onForwardEnded(Fixtures.ended("p0", 50 * MS, 50 * MS, new long[] {400, 0}, new long[] {400, 0},
                new long[] {0, 10}, new long[] {0, 0}), 50 * MS);
        assertThat(cluster.predictedPassEnd(p0)).isEqualTo(100 * MS);
    }

    @Test
    void arrival_withIdleInstance_dispatchesAtOnce() {
        List<Assignment> sent = dispatch.onArrival(request(1, 400), 0);
        assertThat(sent).extracting(Assignment::unit).containsExactly(new DpUnitId("p0", 0));
        assertThat(dispatch.buffered()).isZero();
    }

    @Test
    void arrival_everyInstanceBusy_isBuffered() {
        runningPassFrom50ms();
        assertThat(dispatch.onArrival(request(2, 300), 60 * MS)).isEmpty();
        assertThat(dispatch.buffered()).isEqualTo(1);
    }

    @Test
    void tick_topsUpOnlyInsideTheWindowBeforeThePredictedPassEnd() {
        runningPassFrom50ms();
        dispatch.onArrival(request(2, 300), 60 * MS);
        // window: horizon 15 ms (3 x σ fallback of T̄/10), latest 7.5 ms (1.5 σ) before the end at 100 ms
        assertThat(dispatch.onTick(80 * MS)).isEmpty();
        assertThat(dispatch.onTick(95 * MS)).isEmpty();
        assertThat(dispatch.onTick(88 * MS)).hasSize(1);
        assertThat(dispatch.buffered()).isZero();
    }

    @Test
    void nextTickAt_isTheEarlierOfIntervalAndNextBoundary() {
        runningPassFrom50ms();
        // Δ = (T̄ 50 ms + τ 0) / 1 = 50 ms; the boundary tick is 15 ms before the end at 100 ms
        assertThat(dispatch.nextTickAt(60 * MS)).isEqualTo(85 * MS);
        assertThat(dispatch.nextTickAt(86 * MS)).isEqualTo(136 * MS);
    }

    @Test
    void overload_afterKFailedCyclesWithOpenCapacity_turnsOn_andOffOncePlaced() {
        cluster.unit(new DpUnitId("p0", 0)).dispatchPrefill(500, false);
        cluster.unit(new DpUnitId("p0", 1)).dispatchPrefill(500, false);
        assertThat(dispatch.onArrival(request(7, 900), 0)).isEmpty();
        assertThat(dispatch.overloaded()).isFalse();
        // failures count at most once per interval Δ (50 ms cold, one instance): this tick is too soon
        dispatch.onTick(MS);
        assertThat(dispatch.overloaded()).isFalse();
        dispatch.onTick(50 * MS);
        assertThat(dispatch.overloaded()).isTrue();
        cluster.unit(new DpUnitId("p0", 0)).acknowledge(500);
        assertThat(dispatch.onTick(100 * MS)).hasSize(1);
        assertThat(dispatch.overloaded()).isFalse();
    }

    @Test
    void carriedOver_requests_goFirstInArrivalOrder() {
        cluster.unit(new DpUnitId("p0", 0)).dispatchPrefill(1000, false);
        cluster.unit(new DpUnitId("p0", 1)).dispatchPrefill(1000, false);
        dispatch.onArrival(new InferenceRequest(1, 600, 10, 1), 1);
        dispatch.onArrival(new InferenceRequest(2, 500, 10, 2), 2);
        dispatch.onTick(3);
        cluster.unit(new DpUnitId("p0", 0)).acknowledge(1000);
        // p0 is idle, so the arrival runs a cycle at once: 1000 tokens of room, and the older carried-over
        // request wins over the longer fresh one
        List<Assignment> sent = dispatch.onArrival(new InferenceRequest(3, 1000, 10, 4), 4);
        assertThat(sent).extracting(a -> a.request().id()).containsExactly(1L);
    }

    @Test
    void everySignalLost_stillDispatchesOneBatchPerWatchdogPeriod() {
        ClusterState c = Fixtures.prefillCluster(SchedulingPolicy.builder().name(PolicyRegistry.SBS)
                .defaultInterval(Duration.ofMillis(10)).build(), 1, 1, 100);
        StaggeredPrefillDispatch d = new StaggeredPrefillDispatch(c, new WaterFillingPrefillAllocator());
        long now = 0;
        int batches = 0;
        long id = 0;
        for (int step = 0; step < 2_000; step++) {
            d.onArrival(request(id++, 100), now);
            now = d.nextTickAt(now);
            if (!d.onTick(now).isEmpty()) {
                batches++;
            }
        }
        // no EndForward ever: the watchdog (3 x 10 ms) resets the instance and the loop keeps dispatching
        assertThat(c.instance("p0").watchdogFires()).isGreaterThan(10);
        assertThat(batches).isGreaterThan(10);
    }
}
