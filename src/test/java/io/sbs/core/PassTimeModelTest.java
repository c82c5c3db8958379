package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PassTimeModelTest {

    @Test
    void predict_withoutSamples_returnsFallback() {
        assertThat(new PassTimeModel(16).predict(100, 800, 42)).isEqualTo(42);
    }

    @Test
    void predict_linearPasses_recoversStragglerAndSharedCosts() {
        PassTimeModel m = new PassTimeModel(64);
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 64; i++) {
            long max = 100 + r.nextInt(3000);
            long sum = max + r.nextInt(20_000);
            m.record(max, sum, 50_000_000L + 50_000L * max + 1_000L * sum);
        }
        long expected = 50_000_000L + 50_000L * 2000 + 1_000L * 10_000;
        assertThat(m.predict(2000, 10_000, 0)).isBetween(expected - 1_000, expected + 1_000);
        assertThat(m.residualStdNanos(-1)).isLessThan(1_000);
    }

    @Test
    void record_absurdDuration_isClampedToAMinute() {
        PassTimeModel m = new PassTimeModel(16);
        m.record(100, 800, Long.MAX_VALUE);
        assertThat(m.predict(100, 800, 0)).isEqualTo(IntervalEstimator.MAX_FORWARD_NANOS);
    }

    @Test
    void predict_noSpreadInTokens_returnsMean() {
        PassTimeModel m = new PassTimeModel(16);
        for (int i = 0; i < 10; i++) {
            m.record(1000, 8000, 100 + (i % 2) * 20);
        }
        assertThat(m.predict(5000, 9000, 0)).isEqualTo(110);
    }

    @Test
    void predict_outlierQuery_staysWithinTwiceTheMean() {
        PassTimeModel m = new PassTimeModel(16);
        for (int i = 0; i < 16; i++) {
            m.record(i * 10, i * 80, 1_000 + i * 10);
        }
        double mean = 1_075;
        assertThat(m.predict(1_000_000, 8_000_000, 0)).isLessThanOrEqualTo((long) (2 * mean));
    }
}
