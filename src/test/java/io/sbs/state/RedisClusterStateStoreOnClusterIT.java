package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The store's contract on a real Redis Cluster of three masters, each with a replica: every script runs
 * (Redis refuses a script whose keys span slots with {@code CROSSSLOT}, so the contract passing is the
 * proof that a dispatcher cluster's keys share one slot), pub/sub reaches subscribers whichever node they
 * are connected to, and when the master serving the slot dies its replica takes over and the client
 * follows the new topology with nothing lost.
 */
class RedisClusterStateStoreOnClusterIT extends ClusterStateStoreContract {

    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static RedisClusterServers servers;

    private ReactiveStringRedisTemplate redis;
    private RedisClusterStateStore store;
    private String cluster;
    private Fence fence;

    @BeforeAll
    static void startCluster() throws Exception {
        servers = new RedisClusterServers(3, 1);
    }

    @AfterAll
    static void stopCluster() {
        if (servers != null) {
            servers.close();
        }
    }

    @BeforeEach
    void connect() {
        // a dispatcher cluster of its own per test instead of a flush: each lands on whichever master its tag
        // hashes to, so the tests together use more than one master
        cluster = "it-" + CLUSTERS.incrementAndGet();
        redis = servers.template();
        store = new RedisClusterStateStore(redis, cluster, CLOCK);
        LeaderLease.Holder holder = new LeaderLease(redis, cluster, "leader", Duration.ofSeconds(30)).acquire()
                .block(WAIT);
        fence = new Fence("leader", holder.epoch());
    }

    @Override
    ClusterStateStore store() {
        return store;
    }

    @Override
    Fence fence() {
        return fence;
    }

    @Test
    void theTestsOfThisClass_useMoreThanOneMaster() {
        Set<Integer> masters = new HashSet<>();
        for (int i = 1; i <= 12; i++) {
            masters.add(servers.masterOf(LeaderLease.key("it-" + i, "lease")));
        }
        assertThat(masters).as("masters serving it-1..it-12").hasSizeGreaterThan(1).doesNotContain(-1);
    }

    @Test
    void everyKeyOfADispatcherCluster_isInTheSlotOfItsTag() {
        int slot = SlotHash.getSlot("{" + cluster + "}");
        for (String name : new String[] {"lease", "epoch", "policy", "policy-version", "policy-history", "accepted",
            "accepted-claims", "accepted-assignments", "view", "interval-history", "node:a", "leader-notices",
            "assignments:a"}) {
            assertThat(SlotHash.getSlot(LeaderLease.key(cluster, name))).as(name).isEqualTo(slot);
        }
    }

    @Test
    void theMasterOfTheSlotDies_itsReplicaTakesOver_andTheStoreGoesOn_withNothingLost() throws Exception {
        String entry = store.accept(new AcceptedRequest("before", "node-b", "/v1/completions", "{}", 1, 1, 0))
                .block(WAIT);
        int master = servers.masterOf(LeaderLease.key(cluster, "lease"));
        // asynchronous replication: only a write the replica holds survives the master, so wait for it
        await().atMost(WAIT).until(() -> replicaCaughtUp(master));

        servers.kill(master);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            int now = servers.masterOf(LeaderLease.key(cluster, "lease"));
            return now != -1 && now != master;
        });
        // the client learns the new master from a topology refresh; until then commands fail or time out
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> store.accept(new AcceptedRequest("after", "node-b", "/v1/completions", "{}", 1, 1, 0))
                        .block(WAIT) != null);
        assertThat(store.claimAccepted(fence, "-", 10).collectList().block(WAIT))
                .as("fenced writes go on: the lease survived on the replica")
                .extracting(e -> e.request().requestId()).containsExactly("before", "after");
        assertThat(store.finishAccepted(fence, entry).block(WAIT)).isTrue();
        var notice = store.leaderNotices().next().toFuture();
        await().atMost(WAIT).untilAsserted(() -> {
            store.noticeLeader("after the failover").block(WAIT);
            assertThat(notice).isCompleted();
        });
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
