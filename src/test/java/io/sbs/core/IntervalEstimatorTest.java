package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IntervalEstimatorTest {

    private final IntervalEstimator e = new IntervalEstimator(32, 50 * MS, MS, 2_000 * MS);

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 16})
    void interval_beforeAnySample_isTheDefault_whateverN(int n) {
        assertThat(e.intervalNanos(n)).isEqualTo(50 * MS);
    }

    @Test
    void meanForward_beforeAnySample_isDefaultTimesN_andLatencyIsZero() {
        assertThat(e.meanForwardNanos(4)).isEqualTo(200 * MS);
        assertThat(e.meanForwardNanos(0)).isEqualTo(50 * MS);
        assertThat(e.meanDispatchLatencyNanos()).isZero();
    }

    @Test
    void interval_onlyLatencySamples_isStillTheDefault() {
        e.recordDispatchLatency(30 * MS);
        assertThat(e.intervalNanos(2)).isEqualTo(50 * MS);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7})
    void interval_withSamples_isMeanForwardPlusMeanLatencyOverN(int n) {
        e.recordForwardPass(200 * MS);
        e.recordForwardPass(400 * MS);
        e.recordDispatchLatency(10 * MS);
        e.recordDispatchLatency(20 * MS);
        assertThat(e.meanForwardNanos(n)).isEqualTo(300 * MS);
        assertThat(e.meanDispatchLatencyNanos()).isEqualTo(15 * MS);
        assertThat(e.intervalNanos(n)).isEqualTo((300 * MS + 15 * MS) / n);
    }

    @Test
    void interval_zeroInstances_dividesByOne() {
        e.recordForwardPass(90 * MS);
        assertThat(e.intervalNanos(0)).isEqualTo(90 * MS);
    }

    @Test
    void forwardWindow_ofThirtyTwo_forgetsTheOldestSampleOnTheThirtyThird() {
        e.recordForwardPass(1_000 * MS);
        for (int i = 0; i < 31; i++) {
            e.recordForwardPass(100 * MS);
        }
        assertThat(e.meanForwardNanos(1)).isEqualTo((1_000 * MS + 31 * 100 * MS) / 32);
        e.recordForwardPass(100 * MS);
        assertThat(e.meanForwardNanos(1)).isEqualTo(100 * MS);
    }

    @Test
    void recordForwardPass_absurdDuration_isClampedToAMinute_soTheMeanStaysPositiveAndBounded() {
        e.recordForwardPass(100 * MS);
        e.recordForwardPass(Long.MAX_VALUE);
        e.recordForwardPass(Long.MAX_VALUE);
        assertThat(e.meanForwardNanos(1)).isEqualTo((100 * MS + 2 * IntervalEstimator.MAX_FORWARD_NANOS) / 3);
        assertThat(e.intervalNanos(1)).isEqualTo(2_000 * MS);
    }

    @Test
    void latencyWindow_ofThirtyTwo_forgetsTheOldestSampleOnTheThirtyThird() {
        e.recordDispatchLatency(320 * MS);
        for (int i = 0; i < 31; i++) {
            e.recordDispatchLatency(0);
        }
        assertThat(e.meanDispatchLatencyNanos()).isEqualTo(10 * MS);
        e.recordDispatchLatency(0);
        assertThat(e.meanDispatchLatencyNanos()).isZero();
    }

    @Test
    void window_keepsSlidingAfterManyWraps() {
        for (int i = 0; i < 1_000; i++) {
            e.recordForwardPass((i % 2 == 0 ? 10 : 30) * MS);
        }
        assertThat(e.meanForwardNanos(1)).isEqualTo(20 * MS);
    }

    @Test
    void recordForwardPass_nonPositiveDuration_isIgnored() {
        e.recordForwardPass(0);
        e.recordForwardPass(-5 * MS);
        assertThat(e.intervalNanos(1)).isEqualTo(50 * MS);
        assertThat(e.meanForwardNanos(2)).isEqualTo(100 * MS);
    }

    @Test
    void recordDispatchLatency_negative_isIgnored_zeroCounts() {
        e.recordDispatchLatency(-1);
        e.recordDispatchLatency(20 * MS);
        e.recordDispatchLatency(0);
        assertThat(e.meanDispatchLatencyNanos()).isEqualTo(10 * MS);
    }

    @Test
    void interval_aboveMax_isClampedToMax() {
        e.recordForwardPass(10_000 * MS);
        assertThat(e.intervalNanos(1)).isEqualTo(2_000 * MS);
    }

    @Test
    void interval_belowMin_isClampedToMin() {
        IntervalEstimator tiny = new IntervalEstimator(4, 50 * MS, 5 * MS, 100 * MS);
        tiny.recordForwardPass(MS);
        assertThat(tiny.intervalNanos(8)).isEqualTo(5 * MS);
    }

    @Test
    void defaultOutsideClamps_isClampedToo() {
        assertThat(new IntervalEstimator(4, 10 * MS, 20 * MS, 30 * MS).intervalNanos(1)).isEqualTo(20 * MS);
        assertThat(new IntervalEstimator(4, 90 * MS, 20 * MS, 30 * MS).intervalNanos(1)).isEqualTo(30 * MS);
    }

    @Test
    void pin_overridesTheEstimate_andTheClamps() {
        e.recordForwardPass(300 * MS);
        e.configure(50 * MS, MS, 2_000 * MS, 7 * MS);
        assertThat(e.pinned()).isTrue();
        assertThat(e.intervalNanos(3)).isEqualTo(7 * MS);
        e.configure(50 * MS, 10 * MS, 20 * MS, 5_000 * MS);
        assertThat(e.intervalNanos(3)).isEqualTo(5_000 * MS);
    }

    @Test
    void pin_atColdStart_overridesTheDefault() {
        e.configure(50 * MS, MS, 2_000 * MS, 3 * MS);
        assertThat(e.intervalNanos(1)).isEqualTo(3 * MS);
    }

    @Test
    void configure_keepsSamples_unpinningReturnsToTheEstimate() {
        e.recordForwardPass(300 * MS);
        e.recordDispatchLatency(30 * MS);
        e.configure(50 * MS, MS, 2_000 * MS, 7 * MS);
        e.configure(80 * MS, MS, 2_000 * MS, 0);
        assertThat(e.pinned()).isFalse();
        assertThat(e.intervalNanos(3)).isEqualTo(110 * MS);
    }

    @Test
    void configure_newClamps_applyToTheKeptSamples() {
        e.recordForwardPass(300 * MS);
        e.configure(50 * MS, MS, 40 * MS, 0);
        assertThat(e.intervalNanos(1)).isEqualTo(40 * MS);
    }

    @Test
    void configure_invalidClamps_areRejected() {
        assertThatThrownBy(() -> e.configure(MS, 10 * MS, 5 * MS, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.configure(MS, 0, 5 * MS, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void constructor_emptyWindow_isRejected() {
        assertThatThrownBy(() -> new IntervalEstimator(0, 50 * MS, MS, 2_000 * MS))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dispatchLatencyBound_isTheSlowestInTheWindow_andZeroBeforeSamples() {
        assertThat(e.dispatchLatencyBoundNanos()).isZero();
        e.recordDispatchLatency(10 * MS);
        e.recordDispatchLatency(30 * MS);
        e.recordDispatchLatency(20 * MS);
        assertThat(e.meanDispatchLatencyNanos()).isEqualTo(20 * MS);
        assertThat(e.dispatchLatencyBoundNanos()).isEqualTo(30 * MS);
    }

    @Test
    void dispatchLatencyBound_forgetsSamplesThatLeftTheWindow() {
        e.recordDispatchLatency(90 * MS);
        for (int i = 0; i < 32; i++) {
            e.recordDispatchLatency(2 * MS);
        }
        assertThat(e.dispatchLatencyBoundNanos()).isEqualTo(2 * MS);
    }

    @Test
    void dispatchLatencyBound_constantLatency_isTheLatency() {
        for (int i = 0; i < 40; i++) {
            e.recordDispatchLatency(2 * MS);
        }
        assertThat(e.dispatchLatencyBoundNanos()).isEqualTo(2 * MS);
    }

    @Test
    void prior_standsInForAnEmptyWindow_thenGivesWayToTheFirstMeasuredPass() {
        e.prior(20 * MS, true);
        assertThat(e.meanForwardNanos(4)).as("the leader's figure, not default x N").isEqualTo(20 * MS);
        assertThat(e.intervalNanos(2)).isEqualTo(10 * MS);
        assertThat(e.forwardFromPushes()).isTrue();
        e.recordForwardPass(30 * MS);
        assertThat(e.meanForwardNanos(4)).isEqualTo(30 * MS);
        assertThat(e.forwardFromPushes()).as("a pass the dispatcher measured itself, no push").isFalse();
        e.prior(0, true);
        assertThat(e.meanForwardNanos(4)).isEqualTo(30 * MS);
    }

    @Test
    void prior_removed_bringsBackTheColdStartDefault() {
        e.prior(20 * MS, false);
        assertThat(e.forwardFromPushes()).isFalse();
        e.prior(0, false);
        assertThat(e.meanForwardNanos(4)).isEqualTo(200 * MS);
        assertThat(e.intervalNanos(4)).isEqualTo(50 * MS);
    }

    @Test
    void forwardFromPushes_whileAPushedPassIsInTheWindow_andNotAfterItLeaves() {
        e.recordForwardPass(16 * MS, true);
        for (int i = 0; i < 31; i++) {
            e.recordForwardPass(16 * MS);
        }
        assertThat(e.forwardSamples()).isEqualTo(32);
        assertThat(e.pushedForwardSamples()).isEqualTo(1);
        assertThat(e.forwardFromPushes()).isTrue();
        e.recordForwardPass(16 * MS);
        assertThat(e.pushedForwardSamples()).isZero();
        assertThat(e.forwardFromPushes()).isFalse();
    }
}
