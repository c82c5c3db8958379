package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/** The contract on a real Redis, plus what only a shared store has: fencing. */
class RedisClusterStateStoreIT extends ClusterStateStoreContract {

    private ReactiveStringRedisTemplate redis;
    private RedisClusterStateStore store;
    private Fence fence;

    @BeforeEach
    void connect() throws Exception {
        redis = RedisServer.shared().flushed();
        store = new RedisClusterStateStore(redis, "it", CLOCK);
        LeaderLease.Holder holder = new LeaderLease(redis, "it", "leader", Duration.ofSeconds(30)).acquire().block(WAIT);
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
    void aWriteFromANodeWithoutTheLease_isFenced_andChangesNothing() {
        store.replacePolicy(SchedulingPolicy.defaults(PolicyRegistry.SBS), 0, "startup", fence).block(WAIT);
        assertThatThrownBy(() -> store.replacePolicy(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN), 1, "standby",
                new Fence("standby", fence.epoch())).block(WAIT)).isInstanceOf(FencedException.class)
                .hasMessageContaining("held by leader");
        assertThatThrownBy(() -> store.replacePolicy(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN), 1, "leader",
                new Fence("leader", fence.epoch() - 1)).block(WAIT)).isInstanceOf(FencedException.class);
        assertThat(store.currentPolicy().block(WAIT).version()).isEqualTo(1);
        assertThat(store.policyHistory(10).collectList().block(WAIT)).hasSize(1);
    }

    @Test
    void aStandbyReadsWhatTheLeaderWrote() {
        store.replacePolicy(SchedulingPolicy.defaults(PolicyRegistry.POWER_OF_TWO), 0, "alice", fence).block(WAIT);
        RedisClusterStateStore standby = new RedisClusterStateStore(redis, "it", CLOCK);
        assertThat(standby.currentPolicy().block(WAIT).policy().name()).isEqualTo(PolicyRegistry.POWER_OF_TWO);
    }
}
