package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A node of a real Redis Cluster (three masters, three replicas) dies under the store: the cluster fails
 * over and the client follows its new topology, so fenced writes go on with nothing that was replicated
 * lost, and a subscription whose connection was on the dead node hears messages again. Each test kills a
 * node, so each gets a cluster of its own.
 */
class RedisClusterFailoverIT {

    private static final Duration WAIT = Duration.ofSeconds(5);
    /** Node timeout (1 s), election and the client's next topology refresh, with room for a busy machine. */
    private static final Duration FAILOVER = Duration.ofSeconds(45);
    private static final String CLUSTER = "failover-it";

    private RedisClusterServers servers;
    private RedisClusterStateStore store;
    private Fence fence;

    @BeforeEach
    void start() throws Exception {
        servers = new RedisClusterServers(3, 1);
        store = new RedisClusterStateStore(servers.template(), CLUSTER, Clock.systemUTC());
        LeaderLease.Holder holder = new LeaderLease(servers.template(), CLUSTER, "leader", Duration.ofSeconds(60))
                .acquire().block(WAIT);
        fence = new Fence("leader", holder.epoch());
    }

    @AfterEach
    void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    private static AcceptedRequest request(String id) {
        return new AcceptedRequest(id, "node-b", "/v1/completions", "{}", 1, 1, 0);
    }

    @Test
    void theMasterOfTheSlotDies_itsReplicaTakesOver_andTheStoreGoesOn_withNothingLost() throws Exception {
        String entry = store.accept(request("before")).block(WAIT);
        int master = servers.masterOf(LeaderLease.key(CLUSTER, "lease"));
        // asynchronous replication: only a write the replica holds survives the master, so wait for it
        await().atMost(WAIT).until(() -> replicaCaughtUp(master));

        servers.kill(master);
        await().atMost(FAILOVER).until(() -> {
            int now = servers.masterOf(LeaderLease.key(CLUSTER, "lease"));
            return now != -1 && now != master;
        });
        // the client learns the new master from a topology refresh; until then commands fail or time out
        await().atMost(FAILOVER).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> store.accept(request("after")).block(WAIT) != null);
        assertThat(store.claimAccepted(fence, "-", 10).collectList().block(WAIT))
                .as("fenced writes go on: the lease survived on the replica")
                .extracting(e -> e.request().requestId()).containsExactly("before", "after");
        assertThat(store.finishAccepted(fence, entry).block(WAIT)).isTrue();
    }

    @Test
    void theNodeASubscriptionIsConnectedTo_dies_andTheSubscriptionHearsAgain() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        Disposable subscription = store.leaderNotices().subscribe(heard::add);
        try {
            await().atMost(WAIT).untilAsserted(() -> {
                store.noticeLeader("before").block(WAIT);
                assertThat(heard).contains("before");
            });
            int node = servers.subscribedTo(LeaderLease.key(CLUSTER, "leader-notices"));
            assertThat(node).as("a node holds the subscription").isPositive();

            servers.kill(node);
            // the connection is re-established on another node and subscribes again (Lettuce); publishes
            // in between reach nobody, as pub/sub promises no more
            await().atMost(FAILOVER).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
                store.noticeLeader("after").block(WAIT);
                assertThat(heard).contains("after");
            });
        } finally {
            subscription.dispose();
        }
    }

    private static boolean replicaCaughtUp(int masterPort) {
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> c = client.connect(RedisURI.builder().withHost("127.0.0.1")
                .withPort(masterPort).withTimeout(WAIT).build())) {
            String info = c.sync().info("replication");
            long offset = Long.parseLong(field(info, "master_repl_offset:"));
            // slave0:ip=...,port=...,state=online,offset=N,lag=0
            String replica = field(info, "slave0:");
            return replica.contains("state=online") && replica.contains("offset=" + offset + ",");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    private static String field(String info, String prefix) {
        return info.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).trim())
                .findFirst().orElse("");
    }
}
