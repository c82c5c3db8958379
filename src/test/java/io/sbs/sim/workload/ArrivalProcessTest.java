package io.sbs.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArrivalProcessTest {

    @ParameterizedTest
    @CsvSource({"1", "40", "1000"})
    void poisson_200kGaps_meanGapWithinThreePercent(double qps) {
        PoissonArrivals arrivals = new PoissonArrivals(qps);
        SplittableRandom random = new SplittableRandom(42);
        int n = 200_000;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            long gap = arrivals.nextGapNanos(random);
            assertThat(gap).isNotNegative();
            sum += gap;
        }
        double expected = 1e9 / qps;
        assertThat(sum / n).isCloseTo(expected, within(0.03 * expected));
    }

    @ParameterizedTest
    @CsvSource({"50, 4, 2", "10, 8, 1", "200, 2, 0.5", "20, 1, 1"})
    void bursty_longRun_rateWithinFivePercentOfMean(double meanQps, double burstFactor, double burstSeconds) {
        for (long seed = 1; seed <= 3; seed++) {
            BurstyArrivals arrivals = new BurstyArrivals(meanQps, burstFactor, burstSeconds);
            SplittableRandom random = new SplittableRandom(seed);
            int n = 400_000;
            long t = 0;
            for (int i = 0; i < n; i++) {
                t += arrivals.nextGapNanos(random);
            }
            assertThat(n / (t / 1e9)).as("seed %d", seed).isCloseTo(meanQps, within(0.05 * meanQps));
        }
    }

    @Test
    void bursty_countsPerSecond_overdispersedUnlikePoisson() {
        assertThat(dispersion(new BurstyArrivals(50, 4, 2))).isGreaterThan(5);
        assertThat(dispersion(new PoissonArrivals(50))).isCloseTo(1, within(0.2));
    }

    /** Variance over mean of arrivals per one-second window; 1 for Poisson. */
    private static double dispersion(ArrivalProcess arrivals) {
        SplittableRandom random = new SplittableRandom(9);
        int seconds = 4000;
        int[] counts = new int[seconds];
        long t = 0;
        while (true) {
            t += arrivals.nextGapNanos(random);
            int s = (int) (t / 1_000_000_000L);
            if (s >= seconds) {
                break;
            }
            counts[s]++;
        }
        double mean = 0;
        for (int c : counts) {
            mean += c;
        }
        mean /= seconds;
        double var = 0;
        for (int c : counts) {
            var += (c - mean) * (c - mean);
        }
        return var / (seconds - 1) / mean;
    }

    @Test
    void bursty_rates_burstIsFactorTimesCalm() {
        BurstyArrivals arrivals = new BurstyArrivals(50, 4, 2);
        assertThat(arrivals.burstQps()).isCloseTo(4 * arrivals.calmQps(), within(1e-9));
        // bursts take 1/5 of the time: 0.2·burst + 0.8·calm = mean
        assertThat(0.2 * arrivals.burstQps() + 0.8 * arrivals.calmQps()).isCloseTo(50, within(1e-9));
    }

    @Test
    void bursty_restart_startsAfreshWithSameParameters() {
        BurstyArrivals used = new BurstyArrivals(50, 4, 2);
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) {
            used.nextGapNanos(r);
        }
        BurstyArrivals a = used.restart();
        BurstyArrivals b = new BurstyArrivals(50, 4, 2);
        SplittableRandom ra = new SplittableRandom(2);
        SplittableRandom rb = new SplittableRandom(2);
        for (int i = 0; i < 1000; i++) {
            assertThat(a.nextGapNanos(ra)).isEqualTo(b.nextGapNanos(rb));
        }
    }

    @Test
    void new_badParameters_rejected() {
        assertThatThrownBy(() -> new PoissonArrivals(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PoissonArrivals(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BurstyArrivals(10, 0.5, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BurstyArrivals(10, 2, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
