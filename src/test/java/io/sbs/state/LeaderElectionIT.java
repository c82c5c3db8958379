package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/** Two schedulers competing for the lease in a real Redis, with short but consistent timings. */
class LeaderElectionIT {

    // TTL 900 ms; demotion 500 ms + command timeout 150 ms leave 250 ms before the lease can pass
    private static final LeaseTimings FAST = new LeaseTimings(Duration.ofMillis(900), Duration.ofMillis(100),
            Duration.ofMillis(500), Duration.ofMillis(150));
    private static final Duration WAIT = Duration.ofSeconds(10);

    private ReactiveStringRedisTemplate redis;
    private LeaderElection a;
    private LeaderElection b;

    @BeforeEach
    void elect() throws Exception {
        redis = RedisServer.shared().flushed();
        a = new LeaderElection(new LeaderLease(redis, "it", "a", FAST.ttl()), FAST, System::nanoTime).start();
        await().atMost(WAIT).until(a::isLeader);
        b = new LeaderElection(new LeaderLease(redis, "it", "b", FAST.ttl()), FAST, System::nanoTime).start();
        await().atMost(WAIT).until(() -> "a".equals(b.status().leaderId()));
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    @Test
    void oneLeader_theOtherStandsBy_andKnowsWho() {
        assertThat(a.status()).isEqualTo(new Leadership.Status("a", true, 1, "a"));
        assertThat(b.isLeader()).isFalse();
        assertThat(b.status().leaderId()).isEqualTo("a");
    }

    @Test
    void aLeaderThatStopsRenewing_demotesItself_beforeTheStandbyTakesOver() {
        a.halt();
        long lastALeader = System.nanoTime();
        long firstBLeader = Long.MAX_VALUE;
        long until = System.nanoTime() + WAIT.toNanos();
        while (firstBLeader == Long.MAX_VALUE && System.nanoTime() < until) {
            if (a.isLeader()) {
                lastALeader = System.nanoTime();
            }
            if (b.isLeader()) {
                firstBLeader = System.nanoTime();
            }
            LockSupport.parkNanos(2_000_000);
        }
        assertThat(firstBLeader).as("the standby took over").isNotEqualTo(Long.MAX_VALUE);
        assertThat(lastALeader).as("the old leader had stood down before").isLessThan(firstBLeader);
        assertThat(b.status().epoch()).isEqualTo(2);
    }

    @Test
    void aCleanShutdown_handsOverWithoutWaitingForTheTtl() {
        long closedAt = System.nanoTime();
        a.close();
        await().atMost(WAIT).until(b::isLeader);
        // released, not expired: one renew period or so, well under the 900 ms TTL
        assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isLessThan(FAST.ttl());
    }

    @Test
    void aFencedWrite_demotesAtOnce_beforeTheDeadlineWould() {
        // a is cut off and its lease is lost early (say, Redis failed over and the lease key went with it)
        a.halt();
        redis.delete(LeaderLease.key("it", "lease")).block(WAIT);
        await().atMost(WAIT).until(b::isLeader);
        assertThat(a.isLeader()).as("a has not yet reached its demotion deadline").isTrue();
        LeaderLease aLease = new LeaderLease(redis, "it", "a", FAST.ttl());
        FencedException refused = null;
        try {
            aLease.fencedHset(a.status().epoch(), LeaderLease.key("it", "state"), "k", "v").block(WAIT);
        } catch (FencedException e) {
            refused = e;
            a.fenced();
        }
        assertThat(refused).isNotNull();
        assertThat(a.isLeader()).isFalse();
    }
}
