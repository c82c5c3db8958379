package io.sbs.bench.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    private static final long MS = 1_000_000;

    @Test
    void percentile_nearestRank_isASampleAtOrAboveTheFraction() {
        long[] sorted = LongStream.rangeClosed(1, 1000).toArray();
        assertThat(LatencyStats.percentile(sorted, 0.50)).isEqualTo(500);
        assertThat(LatencyStats.percentile(sorted, 0.99)).isEqualTo(990);
        assertThat(LatencyStats.percentile(sorted, 0.999)).isEqualTo(999);
        assertThat(LatencyStats.percentile(sorted, 1.0)).isEqualTo(1000);
        assertThat(LatencyStats.percentile(new long[] {7}, 0.001)).isEqualTo(7);
    }

    @Test
    void percentile_noSamplesOrFractionOutOfRange_throws() {
        assertThatThrownBy(() -> LatencyStats.percentile(new long[0], 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencyStats.percentile(new long[] {1}, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ofNanos_unsortedSamples_percentilesInMillisecondsAndInputUntouched() {
        long[] nanos = new long[100];
        for (int i = 0; i < 100; i++) {
            nanos[i] = (100 - i) * MS; // 100 ms down to 1 ms
        }
        LatencyStats s = LatencyStats.ofNanos(nanos);
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50Ms()).isEqualTo(50.0);
        assertThat(s.p99Ms()).isEqualTo(99.0);
        assertThat(s.p999Ms()).isEqualTo(100.0);
        assertThat(s.maxMs()).isEqualTo(100.0);
        assertThat(s.meanMs()).isCloseTo(50.5, within(1e-9));
        assertThat(nanos[0]).isEqualTo(100 * MS);
    }

    @Test
    void ofNanos_empty_isNaNEverywhere() {
        LatencyStats s = LatencyStats.ofNanos(new long[0]);
        assertThat(s.count()).isZero();
        assertThat(s.p99Ms()).isNaN();
    }

    @Test
    void minus_proxyOverDirect_isTheDifferenceOfPercentiles() {
        long[] direct = new long[1000];
        long[] proxy = new long[1000];
        for (int i = 0; i < 1000; i++) {
            direct[i] = 200_000 + i * 100L; // 0.2 .. 0.2999 ms
            proxy[i] = direct[i] + (i >= 990 ? 2 * MS : 100_000); // +0.1 ms, +2 ms in the slowest 1 %
        }
        LatencyStats.Added added = LatencyStats.ofNanos(proxy).minus(LatencyStats.ofNanos(direct));
        assertThat(added.p50Ms()).isCloseTo(0.1, within(1e-9));
        // the 990th sample of the proxy is the last one still +0.1 ms; the slowest 1 % shows at p99.9
        assertThat(added.p99Ms()).isCloseTo(0.1, within(1e-9));
        assertThat(added.p999Ms()).isCloseTo(2.0, within(1e-9));
    }
}
