package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/** The lease and fenced writes against a real Redis. */
class LeaderLeaseIT {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private ReactiveStringRedisTemplate redis;

    private final String state = LeaderLease.key("it", "state");

    @BeforeEach
    void clean() throws Exception {
        redis = RedisServer.shared().flushed();
    }

    private LeaderLease node(String id, Duration ttl) {
        return new LeaderLease(redis, "it", id, ttl);
    }

    @Test
    void firstNodeTakesTheLeaseAtEpochOne_theOtherSeesIt_andRenewingKeepsTheEpoch() {
        LeaderLease a = node("a", Duration.ofSeconds(10));
        LeaderLease b = node("b", Duration.ofSeconds(10));
        assertThat(who(a.acquire().block(WAIT))).isEqualTo(new LeaderLease.Holder(true, 1, "a", 0));
        assertThat(who(b.acquire().block(WAIT))).isEqualTo(new LeaderLease.Holder(false, 1, "a", 0));
        assertThat(who(a.acquire().block(WAIT))).isEqualTo(new LeaderLease.Holder(true, 1, "a", 0));
    }

    @Test
    void anExpiredLease_passesToTheNextNode_atANewEpoch_andTheOldLeadersWritesAreFenced() {
        LeaderLease a = node("a", Duration.ofMillis(200));
        LeaderLease b = node("b", Duration.ofMillis(200));
        assertThat(a.acquire().block(WAIT).mine()).isTrue();
        assertThat(a.fencedHset(1, state, "decision", "by-a").block(WAIT)).isEqualTo(1);
        // a stops renewing (paused, cut off): its lease expires and b takes over
        await().atMost(WAIT).until(() -> b.acquire().block(WAIT).mine());
        assertThat(who(b.acquire().block(WAIT))).isEqualTo(new LeaderLease.Holder(true, 2, "b", 0));
        assertThatThrownBy(() -> a.fencedHset(1, state, "decision", "stale-from-a").block(WAIT))
                .isInstanceOf(FencedException.class).hasMessageContaining("held by b at epoch 2");
        b.fencedHset(2, state, "decision", "by-b").block(WAIT);
        assertThat(redis.<String, String>opsForHash().get(state, "decision").block(WAIT)).isEqualTo("by-b");
        // and a, coming back, cannot reclaim it while b renews
        assertThat(who(a.acquire().block(WAIT))).isEqualTo(new LeaderLease.Holder(false, 2, "b", 0));
    }

    @Test
    void aWriteWithAnOldEpoch_isFenced_evenByTheSameNode() {
        LeaderLease a = node("a", Duration.ofMillis(200));
        assertThat(a.acquire().block(WAIT).epoch()).isEqualTo(1);
        // a misses its renewals long enough to lose the lease, then takes it again
        await().atMost(WAIT).until(() -> !redis.hasKey(LeaderLease.key("it", "lease")).block(WAIT));
        assertThat(who(a.acquire().block(WAIT))).isEqualTo(new LeaderLease.Holder(true, 2, "a", 0));
        // a write prepared under epoch 1 (say, replayed after a reconnect) lands after the re-election
        assertThatThrownBy(() -> a.fencedHset(1, state, "decision", "replayed").block(WAIT))
                .isInstanceOf(FencedException.class);
        assertThat(redis.<String, String>opsForHash().get(state, "decision").block(WAIT)).isNull();
    }

    @Test
    void noLeaseAtAll_fencesEveryWrite() {
        assertThatThrownBy(() -> node("a", Duration.ofSeconds(1)).fencedHset(1, state, "f", "v").block(WAIT))
                .isInstanceOf(FencedException.class).hasMessageContaining("no lease is held");
    }

    @Test
    void release_freesTheLeaseAtOnce_forTheNextNode_butOnlyForItsHolder() {
        LeaderLease a = node("a", Duration.ofSeconds(10));
        LeaderLease b = node("b", Duration.ofSeconds(10));
        a.acquire().block(WAIT);
        assertThat(b.release(1).block(WAIT)).isFalse();
        assertThat(a.release(1).block(WAIT)).isTrue();
        assertThat(who(b.acquire().block(WAIT))).isEqualTo(new LeaderLease.Holder(true, 2, "b", 0));
    }

    /** The holder without its remaining time, which depends on when the test runs. */
    private static LeaderLease.Holder who(LeaderLease.Holder h) {
        assertThat(h.expiresInMs()).isPositive();
        return new LeaderLease.Holder(h.mine(), h.epoch(), h.owner(), 0);
    }
}
