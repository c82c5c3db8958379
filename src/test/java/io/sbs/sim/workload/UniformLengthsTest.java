package io.sbs.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UniformLengthsTest {

    @Test
    void sample_manyDraws_coversBoundsWithTheirMean() {
        UniformLengths d = new UniformLengths(5, 15);
        SplittableRandom random = new SplittableRandom(1);
        boolean[] seen = new boolean[16];
        double sum = 0;
        for (int i = 0; i < 100_000; i++) {
            int v = d.sample(random);
            assertThat(v).isBetween(5, 15);
            seen[v] = true;
            sum += v;
        }
        for (int v = 5; v <= 15; v++) {
            assertThat(seen[v]).as("value %d drawn", v).isTrue();
        }
        assertThat(sum / 100_000).isCloseTo(d.mean(), within(0.1));
    }

    @Test
    void sample_singleValueAndMaxInt_noOverflow() {
        SplittableRandom random = new SplittableRandom(1);
        assertThat(new UniformLengths(7, 7).sample(random)).isEqualTo(7);
        assertThat(new UniformLengths(Integer.MAX_VALUE - 1, Integer.MAX_VALUE).sample(random))
                .isGreaterThanOrEqualTo(Integer.MAX_VALUE - 1);
    }

    @Test
    void new_badBounds_rejected() {
        assertThatThrownBy(() -> new UniformLengths(0, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UniformLengths(6, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
