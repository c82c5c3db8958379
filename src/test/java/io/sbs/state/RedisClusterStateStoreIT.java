package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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

    @Test
    void aNewLeader_reclaimsWhatItsPredecessorClaimedAndNeverFinished_exactlyOnce() {
        store.accept(new AcceptedRequest("r1", "old", "/v1/completions", "{\"prompt\":\"a\"}", 1, 1, 0)).block(WAIT);
        store.accept(new AcceptedRequest("r2", "old", "/v1/completions", "{\"prompt\":\"b\"}", 1, 1, 0)).block(WAIT);
        var claimedByOld = store.claimAccepted(fence, "-", 10).collectList().block(WAIT);
        store.finishAccepted(fence, claimedByOld.get(0).entryId()).block(WAIT);
        // the leader dies with r2 claimed; its lease goes, a standby takes over at the next epoch
        redis.delete(LeaderLease.key("it", "lease")).block(WAIT);
        LeaderLease.Holder next = new LeaderLease(redis, "it", "standby", Duration.ofSeconds(30)).acquire().block(WAIT);
        Fence successor = new Fence("standby", next.epoch());
        assertThat(store.claimAccepted(successor, "-", 10).collectList().block(WAIT))
                .extracting(e -> e.request().requestId()).containsExactly("r2");
        assertThat(store.claimAccepted(successor, "-", 10).collectList().block(WAIT)).isEmpty();
        // and the old leader, if it comes back, can neither claim nor finish
        assertThatThrownBy(() -> store.claimAccepted(fence, "-", 10).blockLast(WAIT)).isInstanceOf(FencedException.class);
        assertThatThrownBy(() -> store.finishAccepted(fence, claimedByOld.get(1).entryId()).block(WAIT))
                .isInstanceOf(FencedException.class);
        assertThatThrownBy(() -> store.assign(fence, claimedByOld.get(1).entryId(), "old", "stale").block(WAIT))
                .isInstanceOf(FencedException.class);
        assertThat(store.assignment(claimedByOld.get(1).entryId()).blockOptional(WAIT)).isEmpty();
        assertThat(store.acceptedCount().block(WAIT)).isEqualTo(1);
    }

    @Test
    void aStandbyAccepts_intoTheSameBuffer() {
        RedisClusterStateStore standby = new RedisClusterStateStore(redis, "it", CLOCK);
        standby.accept(new AcceptedRequest("from-standby", "standby", "/v1/completions", "{}", 1, 1, 0)).block(WAIT);
        assertThat(store.claimAccepted(fence, "-", 10).collectList().block(WAIT))
                .extracting(e -> e.request().requestId()).containsExactly("from-standby");
    }

    @Test
    void acceptingWaitsForAReplica_andCountsWhatNoReplicaAcknowledgedInTime() throws Exception {
        AcceptedRequest r = new AcceptedRequest("r1", "a", "/v1/completions", "{}", 1, 1, 0);
        // no replica: WAIT gives up after its timeout, the request is accepted anyway and counted
        RedisClusterStateStore alone = new RedisClusterStateStore(redis, "it", CLOCK, RedisServer.shared().connections(),
                1, Duration.ofMillis(100));
        assertThat(alone.accept(r).block(WAIT)).isNotBlank();
        assertThat(alone.unreplicatedAccepts()).isEqualTo(1);
        try (RedisServer master = new RedisServer(); RedisServer replica = new RedisServer(master)) {
            RedisClusterStateStore replicated = new RedisClusterStateStore(master.template(), "it", CLOCK,
                    master.connections(), 1, Duration.ofSeconds(1));
            // the replica first has to finish its initial sync
            await().atMost(Duration.ofSeconds(60)).until(() -> String.valueOf(replica.template()
                    .execute(c -> c.serverCommands().info("replication")).blockFirst(WAIT))
                    .contains("master_link_status=up"));
            replicated.accept(r).block(WAIT);
            assertThat(replicated.unreplicatedAccepts()).isZero();
            long onMaster = master.template().opsForStream().size(LeaderLease.key("it", "accepted")).block(WAIT);
            assertThat(replica.template().opsForStream().size(LeaderLease.key("it", "accepted")).block(WAIT))
                    .isEqualTo(onMaster);
        }
    }

    @Test
    void anOperatorStateWrite_fromANodeWithoutTheLease_isFenced_andChangesNothing() {
        store.replaceOperatorState(OperatorState.NONE.register(EXTRA, "alice"), 0, fence).block(WAIT);
        assertThatThrownBy(() -> store.replaceOperatorState(OperatorState.NONE.remove("prefill-9", "mallory"), 1,
                new Fence("standby", fence.epoch())).block(WAIT)).isInstanceOf(FencedException.class);
        assertThatThrownBy(() -> store.replaceOperatorState(OperatorState.NONE.remove("prefill-9", "mallory"), 1,
                new Fence("leader", fence.epoch() - 1)).block(WAIT)).isInstanceOf(FencedException.class);
        assertThat(store.operatorState().block(WAIT).version()).isEqualTo(1);
        assertThat(store.operatorHistory(10).collectList().block(WAIT)).hasSize(1);
    }
}
