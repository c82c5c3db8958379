package io.sbs.dashboard;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * QPS and TTFT percentiles over a sliding window, read from the {@code sbs.ttft} timers the ingress already
 * records (every policy's, summed), never measured a second time. The timers publish cumulative histogram
 * buckets, as Prometheus wants them; the window's percentiles come from the difference between the buckets
 * now and those {@code window} ago, interpolated inside a bucket the way Prometheus'
 * {@code histogram_quantile(rate(...))} does, so the figures match a Grafana panel on the same meter.
 *
 * <p>Not thread-safe: {@link #sample()} is called by the feed's single timer.
 */
final class RequestWindow {

    static final String TTFT = "sbs.ttft";

    /** @param requests first tokens relayed since start; the rest are over the window, null without data */
    record Figures(long requests, @Nullable Double qps, @Nullable Double ttftP50Ms, @Nullable Double ttftP99Ms) {
    }

    private record Sample(long atNanos, long count, TreeMap<Double, Double> buckets) {
    }

    private final MeterRegistry registry;
    private final long windowNanos;
    private final LongSupplier clock;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    RequestWindow(MeterRegistry registry, Duration window, LongSupplier clock) {
        this.registry = registry;
        this.windowNanos = window.toNanos();
        this.clock = clock;
    }

    Figures sample() {
        Sample now = read();
        samples.addLast(now);
        // the base of the difference: the newest sample at least a window old (the oldest one until then)
        while (samples.size() > 1) {
            Sample first = samples.removeFirst();
            if (now.atNanos() - samples.getFirst().atNanos() < windowNanos) {
                samples.addFirst(first);
                break;
            }
        }
        Sample base = samples.getFirst();
        if (base == now) {
            return new Figures(now.count(), null, null, null);
        }
        TreeMap<Double, Double> delta = new TreeMap<>();
        boolean reset = now.count() < base.count();
        for (Map.Entry<Double, Double> b : now.buckets().entrySet()) {
            double d = b.getValue() - base.buckets().getOrDefault(b.getKey(), 0.0);
            reset |= d < 0;
            delta.put(b.getKey(), d);
        }
        long count = now.count() - base.count();
        if (reset) {
            // a timer was removed or its histogram rotated: the difference means nothing, start again
            samples.clear();
            samples.addLast(now);
            return new Figures(now.count(), null, null, null);
        }
        double seconds = (now.atNanos() - base.atNanos()) / 1e9;
        return new Figures(now.count(), count / seconds, quantileMs(delta, count, 0.50), quantileMs(delta, count, 0.99));
    }

    private Sample read() {
        long count = 0;
        TreeMap<Double, Double> buckets = new TreeMap<>();
        for (Timer t : registry.find(TTFT).timers()) {
            HistogramSnapshot s = t.takeSnapshot();
            count += s.count();
            for (CountAtBucket b : s.histogramCounts()) {
                buckets.merge(b.bucket(TimeUnit.MILLISECONDS), b.count(), Double::sum);
            }
        }
        return new Sample(clock.getAsLong(), count, buckets);
    }

    /**
     * The {@code q} quantile in milliseconds of {@code count} observations whose cumulative bucket counts are
     * {@code buckets} (upper bound in ms to count at or below it): linear inside the bucket the rank falls
     * in, from the bucket below's bound (0 for the first); the largest bound when the rank lies above every
     * bucket. Null without observations.
     */
    static @Nullable Double quantileMs(TreeMap<Double, Double> buckets, long count, double q) {
        if (count <= 0 || buckets.isEmpty()) {
            return null;
        }
        double rank = q * count;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> b : buckets.entrySet()) {
            if (b.getValue() >= rank) {
                double inBucket = b.getValue() - lowerCount;
                double fraction = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
                return lowerBound + (b.getKey() - lowerBound) * fraction;
            }
            lowerBound = b.getKey();
            lowerCount = b.getValue();
        }
        return buckets.lastKey();
    }
}
