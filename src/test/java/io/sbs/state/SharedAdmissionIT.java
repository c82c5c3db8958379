package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.control.Admission;
import io.sbs.control.ClusterView;
import io.sbs.control.SharedAdmission;
import io.sbs.core.ClusterState;
import io.sbs.core.InferenceRequest;
import io.sbs.core.Phase;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.DispatchLoop;
import io.sbs.loop.LoopSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * Two schedulers sharing one buffer in a real Redis: the standby's requests are decided by the leader and
 * served by the standby; when the leader dies, the standby takes over and decides what was waiting,
 * exactly once, and drops what died with the leader.
 */
class SharedAdmissionIT {

    private static final LeaseTimings FAST = new LeaseTimings(Duration.ofMillis(900), Duration.ofMillis(100),
            Duration.ofMillis(500), Duration.ofMillis(150));
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final AtomicLong IDS = new AtomicLong();

    private ReactiveStringRedisTemplate redis;
    private Node a;
    private Node b;

    /** One scheduler: lease, store, loop over one prefill instance, admission. */
    private final class Node implements AutoCloseable {
        final String id;
        final LeaderElection election;
        final RedisClusterStateStore store;
        final DispatchLoop loop;
        final SharedAdmission admission;
        final ClusterView view;

        Node(String id) {
            this.id = id;
            election = new LeaderElection(new LeaderLease(redis, "it", id, FAST.ttl()), FAST, System::nanoTime);
            store = new RedisClusterStateStore(redis, "it", Clock.systemUTC());
            ClusterState cluster = new ClusterState(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN));
            cluster.addInstance("p0", Phase.PREFILL, 4, 1000, Long.MAX_VALUE, 0);
            loop = new DispatchLoop(cluster, PolicyRegistry.standard(), 10_000, Duration.ofSeconds(30).toNanos(),
                    System::nanoTime);
            admission = new SharedAdmission(store, election, loop, 10_000, Duration.ofSeconds(10),
                    FAST.renewPeriod(), Duration.ofMillis(800)).start();
            view = new ClusterView(store, election, loop, Duration.ofHours(1), 10, Clock.systemUTC());
        }

        Node lead() {
            election.start();
            return this;
        }

        Admission.Ticket admit(String rid) {
            InferenceRequest r = new InferenceRequest(IDS.incrementAndGet(), 100, 8, loop.now());
            return admission.admit(r, () -> new AcceptedRequest(rid, id, "/v1/completions", "{\"prompt\":\"x\"}", 100,
                    8, System.currentTimeMillis()));
        }

        long outstanding() {
            return loop.snapshotNow().block(WAIT).units().stream().mapToLong(LoopSnapshot.UnitView::outstandingTokens)
                    .sum();
        }

        /** Dies as SIGKILL would: nothing released, nothing renewed. */
        void kill() {
            election.halt();
            admission.close();
            loop.close();
        }

        @Override
        public void close() {
            admission.close();
            election.close();
            loop.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.shared().flushed();
        a = new Node("a").lead();
        await().atMost(WAIT).until(a.election::isLeader);
        b = new Node("b").lead();
        await().atMost(WAIT).until(() -> "a".equals(b.election.status().leaderId()));
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
    }

    @Test
    void aStandbysRequest_isDecidedByTheLeader_servedByTheStandby_andFreedWhenItsPrefillIsDone() {
        Admission.Ticket ticket = b.admit("r1");
        DispatchLoop.Dispatched d = ticket.decided().block(WAIT);
        assertThat(d.unit().instanceId()).isEqualTo("p0");
        // the leader's loop counts it, the standby's does not
        assertThat(a.outstanding()).isEqualTo(100);
        assertThat(b.outstanding()).isZero();
        ticket.prefillDone();
        await().atMost(WAIT).until(() -> a.outstanding() == 0);
        ticket.finished();
        await().atMost(WAIT).until(() -> b.store.acceptedCount().block(WAIT) == 0);
    }

    @Test
    void theLeadersOwnRequests_areDecidedInItsLoop_andLeaveTheBufferWhenFinished() {
        Admission.Ticket ticket = a.admit("r1");
        assertThat(ticket.decided().block(WAIT).unit().instanceId()).isEqualTo("p0");
        assertThat(a.outstanding()).isEqualTo(100);
        ticket.finished();
        await().atMost(WAIT).until(() -> a.outstanding() == 0 && a.store.acceptedCount().block(WAIT) == 0);
    }

    @Test
    void whenTheLeaderDies_theStandbyTakesOver_decidesWhatWaitedExactlyOnce_andDropsTheDeadNodesEntries()
            throws Exception {
        // the leader dies holding a request of its own that it accepted and decided
        a.admit("dies-with-a").decided().block(WAIT);
        a.kill();
        // the standby accepts requests while nobody leads: they wait in the buffer
        List<CompletableFuture<DispatchLoop.Dispatched>> waiting = new ArrayList<>();
        AtomicInteger decisions = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            waiting.add(b.admit("waits-" + i).decided().doOnNext(d -> decisions.incrementAndGet()).toFuture());
        }
        await().atMost(WAIT).until(b.election::isLeader);
        CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(),
                java.util.concurrent.TimeUnit.SECONDS);
        assertThat(decisions).hasValue(5);
        assertThat(b.outstanding()).isEqualTo(500);
        // the dead node's entry goes once its heartbeat has expired; the five stay until they are answered
        await().atMost(WAIT).until(() -> b.store.acceptedCount().block(WAIT) == 5);
        assertThat(b.store.peekAccepted("-", 10).collectList().block(WAIT))
                .allMatch(e -> e.request().acceptedBy().equals("b"));
    }

    @Test
    void theStandbyReadsTheLeadersView_andTheIntervalHistory() {
        Admission.Ticket ticket = b.admit("r1");
        ticket.decided().block(WAIT);
        a.loop.snapshotNow().block(WAIT);
        a.view.publish().block(WAIT);
        b.view.publish().block(WAIT); // a standby publishes nothing
        LoopSnapshot seen = b.view.current().block(WAIT);
        // the loop refreshes its snapshot every second: compare what the leader published, not when
        assertThat(seen.units()).isEqualTo(a.loop.snapshot().units());
        assertThat(seen.activePolicy()).isEqualTo(a.loop.snapshot().activePolicy());
        assertThat(seen.units().stream().mapToLong(LoopSnapshot.UnitView::outstandingTokens).sum()).isEqualTo(100);
        assertThat(b.view.intervalHistory(10).collectList().block(WAIT)).singleElement()
                .satisfies(sample -> {
                    assertThat(sample.leaderId()).isEqualTo("a");
                    assertThat(sample.prefill()).isEqualTo(seen.prefill());
                });
        ticket.finished();
    }

    @Test
    void aStandbyRelaysEndForwardToTheLeader_andTheLeaderTakesItItself() {
        List<String> relayed = new java.util.concurrent.CopyOnWriteArrayList<>();
        a.admission.onRelayedEndForward(relayed::add);
        b.admission.onRelayedEndForward(relayed::add);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(b.admission.relayEndForward("{\"instance_id\":\"p0\"}")).isTrue();
            assertThat(relayed).contains("{\"instance_id\":\"p0\"}");
        });
        assertThat(a.admission.relayEndForward("{}")).isFalse();
    }

    @Test
    void aClientThatLeavesAtOnce_leavesNothingInTheBuffer_andHoldsNoCapacity() {
        for (int i = 0; i < 20; i++) {
            // gone before its acceptance is even written, or while it waits for the decision
            b.admit("gone-" + i).decided().subscribe().dispose();
            a.admit("gone-on-leader-" + i).decided().subscribe().dispose();
        }
        await().atMost(WAIT).until(() -> a.store.acceptedCount().block(WAIT) == 0);
        await().atMost(WAIT).until(() -> a.outstanding() == 0);
    }
}
