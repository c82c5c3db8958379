package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IntervalEstimatorTest {

    private final IntervalEstimator e = new IntervalEstimator(32, 50 * MS, MS, 2_000 * MS);

    @Test
    void interval_beforeAnySample_isTheDefault() {
        assertThat(e.intervalNanos(4)).isEqualTo(50 * MS);
        assertThat(e.meanForwardNanos(4)).isEqualTo(200 * MS);
    }

    @Test
    void interval_withSamples_isMeanForwardPlusLatencyOverN() {
        e.recordForwardPass(200 * MS);
        e.recordForwardPass(400 * MS);
        e.recordDispatchLatency(10 * MS);
        assertThat(e.intervalNanos(2)).isEqualTo((300 * MS + 10 * MS) / 2);
    }

    @Test
    void window_ofThirtyTwo_forgetsOlderSamples() {
        for (int i = 0; i < 32; i++) {
            e.recordForwardPass(1_000 * MS);
        }
        for (int i = 0; i < 32; i++) {
            e.recordForwardPass(100 * MS);
        }
        assertThat(e.meanForwardNanos(1)).isEqualTo(100 * MS);
    }

    @Test
    void interval_outsideClamps_isClamped() {
        e.recordForwardPass(10_000 * MS);
        assertThat(e.intervalNanos(1)).isEqualTo(2_000 * MS);
        IntervalEstimator tiny = new IntervalEstimator(4, 50 * MS, 5 * MS, 100 * MS);
        tiny.recordForwardPass(MS);
        assertThat(tiny.intervalNanos(8)).isEqualTo(5 * MS);
    }

    @Test
    void pin_overridesEstimateAndClamps_andConfigureKeepsSamples() {
        e.recordForwardPass(300 * MS);
        e.configure(50 * MS, MS, 2_000 * MS, 7 * MS);
        assertThat(e.pinned()).isTrue();
        assertThat(e.intervalNanos(3)).isEqualTo(7 * MS);
        e.configure(50 * MS, MS, 2_000 * MS, 0);
        assertThat(e.intervalNanos(3)).isEqualTo(100 * MS);
    }

    @Test
    void configure_minAboveMax_isRejected() {
        assertThatThrownBy(() -> e.configure(MS, 10 * MS, 5 * MS, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
