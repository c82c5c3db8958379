package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Against the registry the service exports (Prometheus), with timers shaped like the ingress's. */
class RequestWindowTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong now = new AtomicLong();
    private final RequestWindow window = new RequestWindow(registry, Duration.ofSeconds(30), now::get);

    private Timer ttft(String policy) {
        return Timer.builder(RequestWindow.TTFT).tag("policy", policy).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    }

    private static void record(Timer timer, int count, long fromMs, long toMs) {
        for (int i = 0; i < count; i++) {
            timer.record(fromMs + (toMs - fromMs) * i / Math.max(1, count - 1), TimeUnit.MILLISECONDS);
        }
    }

    private void advanceSeconds(long seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void sample_first_hasTheCountButNoRates() {
        record(ttft("sbs"), 10, 5, 5);
        RequestWindow.Figures f = window.sample();
        assertThat(f.requests()).isEqualTo(10);
        assertThat(f.qps()).isNull();
        assertThat(f.ttftP50Ms()).isNull();
    }

    @Test
    void sample_overTheWindow_givesQpsAndPercentilesOfEveryPolicysRequests() {
        window.sample();
        record(ttft("sbs"), 100, 1, 100);
        record(ttft("round-robin"), 100, 101, 200);
        advanceSeconds(10);
        RequestWindow.Figures f = window.sample();
        assertThat(f.requests()).isEqualTo(200);
        assertThat(f.qps()).isCloseTo(20.0, within(1e-9));
        // Micrometer's bucket bounds are about 10 % apart: the interpolated percentiles are that close
        assertThat(f.ttftP50Ms()).isCloseTo(100.0, within(12.0));
        assertThat(f.ttftP99Ms()).isCloseTo(198.0, within(22.0));
    }

    @Test
    void sample_afterTheWindow_forgetsOlderRequests() {
        Timer timer = ttft("sbs");
        window.sample();
        record(timer, 100, 10, 10);
        advanceSeconds(10);
        window.sample();
        advanceSeconds(30);
        record(timer, 60, 500, 500);
        RequestWindow.Figures f = window.sample();
        // the base is the sample 30 s old: only the 60 requests at 500 ms are in the window
        assertThat(f.requests()).isEqualTo(160);
        assertThat(f.qps()).isCloseTo(2.0, within(1e-9));
        assertThat(f.ttftP50Ms()).isCloseTo(500.0, within(55.0));
        assertThat(f.ttftP99Ms()).isCloseTo(500.0, within(55.0));
    }

    @Test
    void sample_noRequestsInTheWindow_hasZeroQpsAndNoPercentiles() {
        record(ttft("sbs"), 5, 10, 10);
        window.sample();
        advanceSeconds(5);
        RequestWindow.Figures f = window.sample();
        assertThat(f.qps()).isZero();
        assertThat(f.ttftP50Ms()).isNull();
    }

    @Test
    void quantile_interpolatesInsideTheBucketTheRankFallsIn() {
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        cumulative.put(10.0, 0.0);
        cumulative.put(20.0, 50.0);
        cumulative.put(40.0, 100.0);
        assertThat(RequestWindow.quantileMs(cumulative, 100, 0.25)).isEqualTo(15.0);
        assertThat(RequestWindow.quantileMs(cumulative, 100, 0.5)).isEqualTo(20.0);
        assertThat(RequestWindow.quantileMs(cumulative, 100, 0.99)).isCloseTo(39.6, within(1e-9));
        // observations above the last bound: the last bound, as Prometheus answers
        assertThat(RequestWindow.quantileMs(cumulative, 200, 0.99)).isEqualTo(40.0);
        assertThat(RequestWindow.quantileMs(cumulative, 0, 0.5)).isNull();
    }
}
