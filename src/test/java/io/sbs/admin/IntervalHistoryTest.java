package io.sbs.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.ClusterState;
import io.sbs.core.Phase;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.DispatchLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IntervalHistoryTest {

    private final AtomicLong nanos = new AtomicLong();
    private final DispatchLoop loop;
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    IntervalHistoryTest() {
        ClusterState cluster = new ClusterState(SchedulingPolicy.defaults("sbs"));
        cluster.addInstance("p0", Phase.PREFILL, 2, 1024, Long.MAX_VALUE, 0);
        cluster.addInstance("p1", Phase.PREFILL, 2, 1024, Long.MAX_VALUE, 0);
        loop = new DispatchLoop(cluster, PolicyRegistry.standard(), 100, Long.MAX_VALUE, nanos::get);
    }

    @AfterEach
    void close() {
        loop.close();
    }

    @Test
    void sample_recordsTheLoopsPhaseFiguresAndThePin() {
        IntervalHistory history = new IntervalHistory(loop, clock, 10);
        history.sample();

        IntervalHistory.Sample s = history.samples().get(0);
        assertThat(s.atEpochMs()).isEqualTo(clock.millis());
        assertThat(s.prefill().healthyInstances()).isEqualTo(2);
        // before any pass is reported, Δ is the policy's default interval
        assertThat(s.prefill().intervalNanos()).isEqualTo(Duration.ofMillis(50).toNanos());
        assertThat(s.decode()).isNull();
        assertThat(s.pinnedInterval()).isZero();
    }

    @Test
    void last_keepsOnlyTheWindow() {
        MutableClock c = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        IntervalHistory history = new IntervalHistory(loop, c, 100);
        for (int i = 0; i < 10; i++) {
            history.sample();
            c.advance(Duration.ofSeconds(1));
        }
        // now is t0 + 10 s; samples at t0 .. t0 + 9 s
        assertThat(history.last(Duration.ofSeconds(3))).hasSize(3);
        assertThat(history.last(Duration.ofMinutes(10))).hasSize(10);
        assertThat(history.samples().get(0).atEpochMs()).isLessThan(history.samples().get(9).atEpochMs());
    }

    @Test
    void samples_areBoundedByTheCapacity() {
        MutableClock c = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        IntervalHistory history = new IntervalHistory(loop, c, 3);
        for (int i = 0; i < 5; i++) {
            history.sample();
            c.advance(Duration.ofSeconds(1));
        }
        assertThat(history.samples()).extracting(IntervalHistory.Sample::atEpochMs)
                .containsExactly(c.millis() - 3_000, c.millis() - 2_000, c.millis() - 1_000);
    }

    /** A clock the test moves. */
    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
