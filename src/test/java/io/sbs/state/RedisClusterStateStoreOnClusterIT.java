package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;

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
 * proof that a dispatcher cluster's keys share one slot), and pub/sub reaches subscribers whichever node
 * they are connected to. Failovers: {@link RedisClusterFailoverIT}.
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
}
