package io.sbs.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.core.ClusterState;
import io.sbs.core.Phase;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.InMemoryClusterStateStore;
import io.sbs.state.Leadership;
import io.sbs.state.SoleNode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * Shared admission's subscriptions on the in-memory store, with the first subscription to the leader's
 * notices failing as a lost Redis connection does: it is resubscribed, and a bad message does not end it.
 */
class SharedAdmissionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final InMemoryClusterStateStore memory = new InMemoryClusterStateStore(Clock.systemUTC());
    private final AtomicInteger noticeSubscriptions = new AtomicInteger();
    /** The in-memory store, whose first subscription to the leader's notices fails (the leader's: it starts first). */
    private final ClusterStateStore store = (ClusterStateStore) Proxy.newProxyInstance(
            ClusterStateStore.class.getClassLoader(), new Class<?>[] {ClusterStateStore.class}, (proxy, method, args) -> {
                if (method.getName().equals("leaderNotices")) {
                    // per subscription, as a Redis channel is: a resubscription opens a new one
                    return Flux.defer(() -> noticeSubscriptions.getAndIncrement() == 0
                            ? Flux.error(new IllegalStateException("connection lost")) : memory.leaderNotices());
                }
                try {
                    return method.invoke(memory, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final List<DispatchLoop> loops = new CopyOnWriteArrayList<>();
    private final List<SharedAdmission> admissions = new CopyOnWriteArrayList<>();

    private SharedAdmission node(Leadership leadership) {
        ClusterState cluster = new ClusterState(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN));
        cluster.addInstance("p0", Phase.PREFILL, 2, 1000, Long.MAX_VALUE, 0);
        DispatchLoop loop = new DispatchLoop(cluster, PolicyRegistry.standard(), 100, Duration.ofSeconds(30).toNanos(),
                System::nanoTime);
        loops.add(loop);
        SharedAdmission admission = new SharedAdmission(store, leadership, loop, 100, Duration.ofSeconds(5),
                Duration.ofMillis(100), Duration.ofSeconds(1)).start();
        admissions.add(admission);
        return admission;
    }

    /** A node that never leads. */
    private static Leadership standby(String id) {
        return new Leadership() {
            @Override
            public String nodeId() {
                return id;
            }

            @Override
            public boolean isLeader() {
                return false;
            }

            @Override
            public Status status() {
                return new Status(id, false, 1, "leader");
            }

            @Override
            public void fenced() {
            }
        };
    }

    @AfterEach
    void stop() {
        admissions.forEach(SharedAdmission::close);
        loops.forEach(DispatchLoop::close);
    }

    @Test
    void leaderNotices_failedSubscription_isResubscribed_andARelayedPushArrives() {
        SharedAdmission leader = node(new SoleNode("leader"));
        List<String> relayed = new CopyOnWriteArrayList<>();
        leader.onRelayedEndForward(relayed::add);
        SharedAdmission standby = node(standby("standby"));

        // notices are at most once: relay until the resubscribed leader hears one
        await().atMost(WAIT).until(() -> {
            assertThat(standby.relayEndForward("{\"instance_id\":\"p0\"}")).isTrue();
            return !relayed.isEmpty();
        });

        assertThat(noticeSubscriptions.get()).isGreaterThanOrEqualTo(3); // leader twice (failed, again), standby once
        assertThat(relayed.get(0)).isEqualTo("{\"instance_id\":\"p0\"}");
    }

    @Test
    void leaderNotices_malformedOrOtherVersion_isCountedAndTheSubscriptionGoesOn() {
        SharedAdmission leader = node(new SoleNode("leader"));
        List<String> relayed = new CopyOnWriteArrayList<>();
        leader.onRelayedEndForward(relayed::add);

        await().atMost(WAIT).until(() -> { // resubscribed
            memory.noticeLeader("1 end-forward warm").block(WAIT);
            return !relayed.isEmpty();
        });
        relayed.clear();
        long before = leader.rejectedMessages();

        memory.noticeLeader("prefill-done 42 seven").block(WAIT);
        memory.noticeLeader("2 end-forward {}").block(WAIT);
        memory.noticeLeader("1 end-forward ok").block(WAIT);

        await().atMost(WAIT).until(() -> relayed.contains("ok"));
        assertThat(relayed).containsExactly("ok");
        assertThat(leader.rejectedMessages() - before).isEqualTo(2);
    }
}
