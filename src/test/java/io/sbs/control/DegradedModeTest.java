package io.sbs.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.sbs.control.DegradedMode.State;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The degraded-mode transitions on a fake clock. */
class DegradedModeTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final DegradedMode mode = new DegradedMode("n", Duration.ofMillis(400), now::get);
    private final AtomicInteger degradedEvents = new AtomicInteger();
    private final AtomicInteger rejoinedEvents = new AtomicInteger();

    DegradedModeTest() {
        mode.onDegraded(degradedEvents::incrementAndGet);
        mode.onRejoined(rejoinedEvents::incrementAndGet);
    }

    private void advance(long ms) {
        now.addAndGet(ms * MS);
    }

    @Test
    void failure_withinTheGrace_isSuspectOnly_andAnAnswerClearsIt() {
        mode.answered(now.get());
        advance(100);
        mode.failed();
        assertThat(mode.state()).isEqualTo(State.SUSPECT);
        assertThat(mode.degraded()).isFalse();
        mode.answered(now.get());
        assertThat(mode.state()).isEqualTo(State.CONNECTED);
        assertThat(degradedEvents).hasValue(0);
    }

    @Test
    void noAnswerForTheGrace_afterAFailure_isDegraded_once() {
        mode.answered(now.get());
        advance(100);
        mode.failed();
        advance(299);
        mode.tick();
        assertThat(mode.degraded()).isFalse();
        advance(1);
        mode.tick();
        assertThat(mode.state()).isEqualTo(State.DEGRADED);
        mode.failed();
        mode.tick();
        assertThat(degradedEvents).hasValue(1);
        assertThat(mode.episodes()).isEqualTo(1);
    }

    @Test
    void aHangingStore_withoutAFailure_isNotDegraded() {
        // calls that neither answer nor fail yet: only a failure (a timeout) says the store is away
        advance(10_000);
        mode.tick();
        assertThat(mode.state()).isEqualTo(State.CONNECTED);
    }

    @Test
    void storeAnswersAgain_rejoinsOnlyAfterALeaseAttemptSentSince() {
        degrade();
        advance(1_000);
        long back = now.get();
        mode.answered(back);
        assertThat(mode.state()).isEqualTo(State.REJOINING);
        assertThat(mode.degraded()).as("still deciding alone until a leader is sure to exist").isTrue();
        mode.leaseAnswered(back - 1); // sent while the store was away: says nothing about a leader now
        assertThat(mode.state()).isEqualTo(State.REJOINING);
        advance(200);
        mode.leaseAnswered(now.get());
        assertThat(mode.state()).isEqualTo(State.CONNECTED);
        assertThat(mode.degraded()).isFalse();
        assertThat(rejoinedEvents).hasValue(1);
    }

    @Test
    void failureWhileRejoining_goesBackToDegraded_inTheSameEpisode() {
        degrade();
        mode.answered(now.get());
        mode.failed();
        assertThat(mode.state()).isEqualTo(State.DEGRADED);
        assertThat(mode.episodes()).isEqualTo(1);
        assertThat(degradedEvents).hasValue(1);
        mode.leaseAnswered(now.get());
        assertThat(mode.state()).as("the lease alone does not rejoin").isEqualTo(State.DEGRADED);
    }

    @Test
    void degradedSeconds_countTheCurrentAndPastEpisodes() {
        degrade();
        advance(1_500);
        assertThat(mode.degradedSeconds()).isCloseTo(1.5, offset(1e-9));
        mode.answered(now.get());
        mode.leaseAnswered(now.get());
        advance(5_000);
        assertThat(mode.degradedSeconds()).isCloseTo(1.5, offset(1e-9));
        mode.answered(now.get());
        degrade();
        advance(500);
        assertThat(mode.degradedSeconds()).isCloseTo(2.0, offset(1e-9));
        assertThat(mode.episodes()).isEqualTo(2);
    }

    private void degrade() {
        mode.failed();
        advance(400);
        mode.tick();
        assertThat(mode.state()).isEqualTo(State.DEGRADED);
    }
}
