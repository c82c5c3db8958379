package io.sbs.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TruncatedLogNormalTest {

    private static final int SAMPLES = 200_000;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(1, 3072, 1024.0, 1.0),
                Arguments.of(3072, 65536, 6700.0, 1.0),
                Arguments.of(1, 4096, 200.0, 1.0),
                Arguments.of(16, 32768, 2000.0, 1.2),
                Arguments.of(4, 8192, 500.0, 0.8),
                // windows in the far tails of the underlying normal
                Arguments.of(1000, 2000, 1010.0, 0.3),
                Arguments.of(1000, 2000, 1990.0, 0.3),
                Arguments.of(1, 100, 2.0, 2.5),
                Arguments.of(10, 20, 15.0, 5.0));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void sample_manyDraws_meanNearTargetAndWithinBounds(int min, int max, double target, double sigma) {
        TruncatedLogNormal d = new TruncatedLogNormal(min, max, target, sigma);
        SplittableRandom random = new SplittableRandom(7);
        double sum = 0;
        int lo = Integer.MAX_VALUE;
        int hi = Integer.MIN_VALUE;
        for (int i = 0; i < SAMPLES; i++) {
            int v = d.sample(random);
            sum += v;
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        assertThat(lo).isGreaterThanOrEqualTo(min);
        assertThat(hi).isLessThanOrEqualTo(max);
        assertThat(sum / SAMPLES).isCloseTo(target, within(0.03 * target));
        assertThat(d.mean()).isCloseTo(target, within(0.02 * target));
    }

    @Test
    void sample_wideWindow_reachesBothEnds() {
        TruncatedLogNormal d = new TruncatedLogNormal(1, 3072, 1024, 1.0);
        SplittableRandom random = new SplittableRandom(3);
        int lo = Integer.MAX_VALUE;
        int hi = 0;
        for (int i = 0; i < SAMPLES; i++) {
            int v = d.sample(random);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        assertThat(lo).isLessThan(50);
        assertThat(hi).isGreaterThan(3000);
    }

    @Test
    void sample_sameSeed_sameSequence() {
        TruncatedLogNormal d = new TruncatedLogNormal(16, 32768, 2000, 1.2);
        SplittableRandom a = new SplittableRandom(11);
        SplittableRandom b = new SplittableRandom(11);
        for (int i = 0; i < 1000; i++) {
            assertThat(d.sample(a)).isEqualTo(d.sample(b));
        }
    }

    @Test
    void new_largerTarget_largerLocation() {
        assertThat(new TruncatedLogNormal(1, 3072, 1500, 1.0).mu())
                .isGreaterThan(new TruncatedLogNormal(1, 3072, 1024, 1.0).mu());
    }

    @Test
    void new_targetOutsideWindow_rejected() {
        assertThatThrownBy(() -> new TruncatedLogNormal(10, 100, 5, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TruncatedLogNormal(10, 100, 100, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TruncatedLogNormal(0, 100, 50, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TruncatedLogNormal(1, 100, 50, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void paperWorkloads_decodePromptPlusOutput_aboutTwoAndAHalfK() {
        assertThat(PaperWorkloads.DECODE_PROMPTS.mean() + PaperWorkloads.DECODE_OUTPUTS.mean())
                .isCloseTo(2500, within(50.0));
        assertThat(PaperWorkloads.SHORT_PROMPTS.mean()).isCloseTo(1024, within(20.0));
        assertThat(PaperWorkloads.LONG_PROMPTS.mean()).isCloseTo(6700, within(134.0));
        assertThat(PaperWorkloads.PREFILL_OUTPUTS.mean()).isCloseTo(200, within(4.0));
    }

    @Test
    void paperWorkloads_decodePrompts_heavyTailed() {
        SplittableRandom random = new SplittableRandom(5);
        int[] v = new int[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            v[i] = PaperWorkloads.DECODE_PROMPTS.sample(random);
        }
        java.util.Arrays.sort(v);
        // right skew: median well below the mean, p99 several times the mean
        assertThat(v[SAMPLES / 2]).isLessThan(1600);
        assertThat(v[SAMPLES * 99 / 100]).isGreaterThan(3 * 2000);
    }
}
