package io.sbs.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoop;
import io.sbs.core.ClusterState;
import io.sbs.core.DpUnitId;
import io.sbs.core.DpUnitState;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.InferenceRequest;
import io.sbs.core.Phase;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.engine.EngineLoops;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/** The loop's bookkeeping with a controlled clock: assignments, cancellation, engine signals. */
class DispatchLoopTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong clock = new AtomicLong(1_000 * MS);
    private final ClusterState cluster = new ClusterState(SchedulingPolicy.defaults(PolicyRegistry.SBS));
    private DispatchLoop loop;

    private DispatchLoop start() {
        cluster.addInstance("p0", Phase.PREFILL, 2, 1000, Long.MAX_VALUE, 0);
        loop = new DispatchLoop(cluster, PolicyRegistry.standard(), 10_000, 2_000 * MS, clock::get);
        return loop;
    }

    @AfterEach
    void stop() {
        if (loop != null) {
            loop.close();
        }
    }

    @Test
    void submit_idleInstance_assignsAtOnce() {
        start();
        StepVerifier.create(loop.submit(new InferenceRequest(1, 300, 10, clock.get())))
                .assertNext(d -> assertThat(d.unit().instanceId()).isEqualTo("p0"))
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    /**
     * A decision reaches its request on the event loop that read it (the route names it in the context), so the
     * engine call starts there, over that loop's connections, whichever thread decided: here the test's own,
     * which runs the arrival inline. Before, the decision was handed on in the deciding task, on its thread.
     */
    @Test
    void submit_decisionReachesTheRequestOnTheEventLoopThatReadIt() {
        start();
        for (int i = 0; i < EngineLoops.count(); i++) {
            EventLoop reader = EngineLoops.loop(i);
            AtomicReference<EventLoop> reached = new AtomicReference<>();
            DispatchLoop.Dispatched d = loop.submit(new InferenceRequest(10 + i, 300, 10, clock.get()))
                    .doOnNext(x -> reached.set(EngineLoops.current()))
                    .contextWrite(Context.of(EngineLoops.CALLER_LOOP, reader))
                    .block(Duration.ofSeconds(5));
            assertThat(reached.get()).as("loop %d", i).isSameAs(reader);
            loop.onPrefillCompleted(d.unit(), 10 + i, 300, clock.get()); // the unit is free for the next
        }
        // without a reading loop (the simulator, tests), it is handed on where it was decided, as before
        assertThat(loop.submit(new InferenceRequest(99, 300, 10, clock.get())).map(d -> EngineLoops.current() == null)
                .block(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void onSubmitted_listenerSeesEveryAcceptedRequest_insideTheLoop_beforeItIsDecided() {
        start();
        List<String> seen = new CopyOnWriteArrayList<>();
        loop.onSubmitted(r -> seen.add(r.id() + ":" + loop.buffered()));
        InferenceRequest first = new InferenceRequest(1, 300, 10, clock.get());
        InferenceRequest second = new InferenceRequest(2, 200, 10, clock.get());

        loop.submit(first).block(Duration.ofSeconds(5));
        loop.submit(second).subscribe();

        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        // told while the request still counts as buffered, so before any strategy decided it
        assertThat(seen).extracting(s -> s.substring(0, s.indexOf(':'))).containsExactly("1", "2");
        assertThat(seen).allMatch(s -> s.endsWith(":1"));
        // a task queued behind the second submit: it has finished before the loop closes
        loop.snapshotNow().block(Duration.ofSeconds(5));
    }

    @Test
    void prefixLookup_reportsTheChosenUnitsCachedPrefix_asTheViewHeldItBeforeTheDecision() {
        ClusterState caching = new ClusterState(SchedulingPolicy.defaults(PolicyRegistry.CACHE_AWARE).toBuilder()
                .cacheBlockTokens(100).build());
        caching.addInstance("p0", Phase.PREFILL, 2, 1000, Long.MAX_VALUE, 16);
        loop = new DispatchLoop(caching, PolicyRegistry.standard(), 10_000, 2_000 * MS, clock::get);
        List<DispatchLoop.PrefixLookup> seen = new CopyOnWriteArrayList<>();
        loop.onPrefixLookup(seen::add);

        DispatchLoop.Dispatched first = loop.submit(new InferenceRequest(1, 300, 10, clock.get(), new long[] {1, 2, 3}))
                .block(Duration.ofSeconds(5));
        // answered, so the two units are balanced again and the router follows the cache
        loop.onPrefillCompleted(first.unit(), 1, 300, clock.get());
        DispatchLoop.Dispatched second = loop.submit(new InferenceRequest(2, 450, 10, clock.get(),
                new long[] {1, 2, 3, 4})).block(Duration.ofSeconds(5));
        loop.submit(new InferenceRequest(3, 100, 10, clock.get())).block(Duration.ofSeconds(5));

        assertThat(second.unit()).isEqualTo(first.unit());
        // deciding remembers the prompt's blocks: taken after, the second would have claimed all four
        assertThat(seen).containsExactly(new DispatchLoop.PrefixLookup(first.unit(), PolicyRegistry.CACHE_AWARE, 300, 0),
                new DispatchLoop.PrefixLookup(first.unit(), PolicyRegistry.CACHE_AWARE, 450, 300));
        LoopSnapshot.UnitView unit = loop.snapshotNow().block(Duration.ofSeconds(5)).units().stream()
                .filter(u -> u.dpRank() == first.unit().dpRank()).findFirst().orElseThrow();
        assertThat(unit.prefixLookupTokens()).isEqualTo(750);
        assertThat(unit.prefixHitTokens()).isEqualTo(300);
    }

    @Test
    void clientGoneBeforeTheDecision_decisionIsWithdrawn_andCapacityFreed() {
        start();
        // occupy the instance: its pass now runs, so the next request waits for the top-up window
        loop.submit(new InferenceRequest(1, 300, 10, clock.get())).block(Duration.ofSeconds(5));
        Disposable waiting = loop.submit(new InferenceRequest(2, 800, 10, clock.get())).subscribe();
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.buffered() == 1);
        waiting.dispose();
        // the pass ends and the engine idles: the loop's fast path decides request 2, nobody waits for it
        clock.addAndGet(60 * MS);
        loop.onForwardEnded(new ForwardEndedEvent("p0", clock.get(), 60 * MS, new long[] {300, 0},
                new long[] {300, 0}, new long[] {0, 0}, new long[] {0, 0}));
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.buffered() == 0);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            long outstanding = 0;
            for (int rank = 0; rank < 2; rank++) {
                DpUnitState u = cluster.unit(new DpUnitId("p0", rank));
                assertThat(u.inflightTokens()).isZero();
                assertThat(u.startingPassTokens()).isZero();
                outstanding += u.outstandingTokens();
            }
            // only request 1 (300 tokens, first token not back yet) still counts
            assertThat(outstanding).isEqualTo(300);
        });
    }

    @Test
    void clientGoneAsTheDecisionCame_decisionNeverReachesIt_andItsUnitsAreGivenBack() {
        cluster.addInstance("d0", Phase.DECODE, 4, 1, 100_000, 0);
        start();
        // a subscriber that asks for nothing: the loop decides, and the decision waits in the sink
        // undelivered, as it does when the client's cancel races the loop's answer
        BaseSubscriber<DispatchLoop.Dispatched> leaving = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
            }
        };
        loop.submit(new InferenceRequest(1, 300, 10, clock.get())).subscribe(leaving);
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.buffered() == 0);
        barrier();
        assertThat(prefillOutstanding()).isEqualTo(300);
        assertThat(decodeBatch()).isEqualTo(1);

        leaving.dispose();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(prefillOutstanding()).isZero();
            assertThat(decodeBatch()).isZero();
            for (int rank = 0; rank < 2; rank++) {
                DpUnitState u = cluster.unit(new DpUnitId("p0", rank));
                assertThat(u.inflightTokens()).isZero();
                assertThat(u.startingPassTokens()).isZero();
            }
        });
        // the load report after it would have landed does not take it off a second time
        loop.onDecodeLoadPolled("d0", new int[4], new long[4], clock.addAndGet(10 * MS));
        barrier();
        assertThat(decodeBatch()).isZero();
    }

    private long prefillOutstanding() {
        long outstanding = 0;
        for (int rank = 0; rank < 2; rank++) {
            outstanding += cluster.unit(new DpUnitId("p0", rank)).outstandingTokens();
        }
        return outstanding;
    }

    private int decodeBatch() {
        int batch = 0;
        for (int rank = 0; rank < 4; rank++) {
            batch += cluster.unit(new DpUnitId("d0", rank)).batchSize();
        }
        return batch;
    }

    @Test
    void prefillCompleted_releasesOutstandingTokens() {
        start();
        DispatchLoop.Dispatched d = loop.submit(new InferenceRequest(1, 300, 10, clock.get())).block(Duration.ofSeconds(5));
        loop.onPrefillCompleted(d.unit(), 1, 300, clock.get());
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(cluster.unit(d.unit()).outstandingTokens()).isZero());
    }

    @ParameterizedTest
    @ValueSource(strings = {PolicyRegistry.SBS, PolicyRegistry.ROUND_ROBIN})
    void withDecodeInstances_everyPolicy_pairsEachRequest(String policy) {
        cluster.policy(SchedulingPolicy.defaults(policy));
        cluster.addInstance("d0", Phase.DECODE, 4, 1, 100_000, 0);
        start();
        // immediate strategies place on arrival, staggered ones at the tick: both must come back paired
        DispatchLoop.Dispatched d = loop.submit(new InferenceRequest(1, 100, 10, clock.get())).block(Duration.ofSeconds(5));
        assertThat(d.decodeUnit()).isNotNull();
        assertThat(loop.buffered()).isZero();
    }

    @Test
    void withDecodeInstances_eachRequestGetsAPrefillAndADecodeUnit_andTheLoadReportAcknowledgesIt() {
        cluster.addInstance("d0", Phase.DECODE, 4, 1, 100_000, 0);
        start();
        DispatchLoop.Dispatched d = loop.submit(new InferenceRequest(1, 300, 10, clock.get())).block(Duration.ofSeconds(5));
        assertThat(d.unit().instanceId()).isEqualTo("p0");
        assertThat(d.decodeUnit()).isNotNull();
        assertThat(d.decodeUnit().instanceId()).isEqualTo("d0");
        assertThat(cluster.unit(d.decodeUnit()).kvTokens()).isEqualTo(310);
        // a sample taken before the request could land leaves it in flight
        int rank = d.decodeUnit().dpRank();
        loop.onDecodeLoadPolled("d0", new int[4], new long[4], clock.get() - 1);
        barrier();
        assertThat(cluster.unit(d.decodeUnit()).kvTokens()).isEqualTo(310);
        // the engine's report after it landed replaces the router's count
        clock.addAndGet(10 * MS);
        int[] batch = new int[4];
        long[] kv = new long[4];
        batch[rank] = 1;
        kv[rank] = 305;
        loop.onDecodeLoadPolled("d0", batch, kv, clock.get());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(cluster.unit(d.decodeUnit()).kvTokens()).isEqualTo(305);
            assertThat(cluster.unit(d.decodeUnit()).batchSize()).isEqualTo(1);
        });
        // and once it finished, the next report is empty
        loop.onDecodeLoadPolled("d0", new int[4], new long[4], clock.addAndGet(10 * MS));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(cluster.unit(d.decodeUnit()).kvTokens()).isZero());
    }

    /** Waits until the loop ran what was handed to it so far (it runs tasks in order). */
    private void barrier() {
        loop.snapshotNow().block(Duration.ofSeconds(5));
    }

    @Test
    void switchPolicy_movesTheBufferToTheNewStrategy_andRefusesUnknownNames() {
        start();
        loop.submit(new InferenceRequest(1, 300, 10, clock.get())).block(Duration.ofSeconds(5));
        // the instance is busy, so SBS buffers this one; round robin sends it at once
        var second = loop.submit(new InferenceRequest(2, 300, 10, clock.get())).toFuture();
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.buffered() == 1);
        assertThat(loop.switchPolicy(PolicyRegistry.ROUND_ROBIN).block(Duration.ofSeconds(5)).name())
                .isEqualTo(PolicyRegistry.ROUND_ROBIN);
        await().atMost(Duration.ofSeconds(5)).until(second::isDone);
        assertThat(loop.buffered()).isZero();
        assertThat(loop.snapshot().policy()).isEqualTo(PolicyRegistry.ROUND_ROBIN);
        StepVerifier.create(loop.switchPolicy("fastest")).expectErrorMessage(
                "unknown policy 'fastest', known: " + PolicyRegistry.standard().names()).verify(Duration.ofSeconds(5));
    }

    @Test
    void overloaded_whenTheOldestBufferedRequestWaitedPastTheBound_andNotOnceItIsAnswered() {
        start();
        loop.submit(new InferenceRequest(1, 300, 10, clock.get())).block(Duration.ofSeconds(5));
        // the instance runs a pass and reports nothing: SBS holds the next request
        var second = loop.submit(new InferenceRequest(2, 300, 10, clock.get())).toFuture();
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.buffered() == 1);
        assertThat(loop.overloaded()).isFalse();
        clock.addAndGet(2_001 * MS);
        assertThat(loop.overloaded()).isTrue();
        loop.onForwardEnded(new ForwardEndedEvent("p0", clock.get(), 60 * MS, new long[] {300, 0},
                new long[] {300, 0}, new long[] {0, 0}, new long[] {0, 0}));
        await().atMost(Duration.ofSeconds(5)).until(second::isDone);
        assertThat(loop.overloaded()).isFalse();
    }

    /**
     * Clients that give up on buffered requests: their entries leave the buffer, and when the instance is
     * free again none of them is decided, nor holds capacity; the next request is decided at once.
     */
    @Test
    void clientsGoneWhileBuffered_leaveTheBuffer_andNeverTakeCapacity() {
        start();
        loop.submit(new InferenceRequest(1, 300, 10, clock.get())).block(Duration.ofSeconds(5));
        List<Disposable> gone = holdTen();
        gone.forEach(Disposable::dispose);
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.buffered() == 0);

        clock.addAndGet(60 * MS);
        loop.onForwardEnded(new ForwardEndedEvent("p0", clock.get(), 60 * MS, new long[] {300, 0},
                new long[] {300, 0}, new long[] {0, 0}, new long[] {0, 0}));
        StepVerifier.create(loop.submit(new InferenceRequest(20, 100, 10, clock.get())))
                .assertNext(d -> assertThat(d.unit().instanceId()).isEqualTo("p0"))
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(outstanding()).isEqualTo(300 + 100));
    }

    /**
     * As above while flow control is on: requests nobody waits for stop counting, so the buffer empties
     * and flow control lifts; otherwise clients that time out and retry would keep getting 429.
     */
    @Test
    void clientsGoneWhileBufferedUnderOverload_emptyTheBuffer_andLiftFlowControl() {
        start();
        loop.submit(new InferenceRequest(1, 300, 10, clock.get())).block(Duration.ofSeconds(5));
        List<Disposable> gone = holdTen();
        clock.addAndGet(2_001 * MS);
        assertThat(loop.overloaded()).isTrue();
        gone.forEach(Disposable::dispose);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(loop.buffered()).isZero();
            assertThat(loop.overloaded()).isFalse();
        });
    }

    /** The instance runs a pass and reports nothing, with the clock still: SBS holds ten more requests. */
    private List<Disposable> holdTen() {
        List<Disposable> held = new java.util.ArrayList<>();
        for (int id = 2; id < 12; id++) {
            held.add(loop.submit(new InferenceRequest(id, 100, 10, clock.get())).subscribe());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.buffered() == 10);
        return held;
    }

    private long outstanding() {
        long sum = 0;
        for (int rank = 0; rank < 2; rank++) {
            sum += cluster.unit(new DpUnitId("p0", rank)).outstandingTokens();
        }
        return sum;
    }
}
