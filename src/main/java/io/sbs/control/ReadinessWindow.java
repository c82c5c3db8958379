package io.sbs.control;

import io.sbs.core.Phase;
import io.sbs.core.ReadinessSource;
import io.sbs.loop.LoopSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Which signals established each prefill instance's pass boundaries lately: the readiness decisions by
 * {@link ReadinessSource} over a recent window, from the counters since start that every
 * {@link LoopSnapshot} carries. The loop counts since start, which says little during an incident (a day
 * of first tokens hides a minute of watchdog fires); an operator asks what drives readiness now.
 *
 * <p>It samples the leader's view ({@link ClusterView#current()}) once a {@code period} and keeps the
 * samples of the last {@code span}; the admin API and the dashboard read it. A window's counts are the
 * differences between the newest sample and the newest one at least the window older, or, for an instance
 * seen for a shorter time, the first sample that had it: the window is then shorter and says so. A counter
 * lower than before means the counts restarted (another leader, or an instance removed and registered
 * again under its id): the window then counts from zero. Thread-safe; wall-clock milliseconds.
 */
public final class ReadinessWindow implements AutoCloseable {

    /**
     * An instance's readiness decisions over a window.
     *
     * @param windowMs  how long the counts cover: the window asked for, or less for an instance seen for a
     *                  shorter time (0 when seen once)
     * @param decisions by {@link ReadinessSource#tag()}, every source, in the enum's order
     */
    public record Recent(long windowMs, Map<String, Long> decisions) {

        public Recent {
            decisions = Collections.unmodifiableMap(new LinkedHashMap<>(decisions));
        }

        public long decisions(ReadinessSource source) {
            return decisions.getOrDefault(source.tag(), 0L);
        }

        public long total() {
            return decisions.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The sources that established any boundary in the window, most decisions first. */
        public List<String> sources() {
            return decisions.entrySet().stream().filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                    .map(Map.Entry::getKey).toList();
        }
    }

    /** Counts since start of each prefill instance at one instant, by instance id in the snapshot's order. */
    private record Sample(long atMs, Map<String, long[]> counts) {
    }

    private final long spanMs;
    private final Clock clock;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private Disposable sampling = Disposables.disposed();

    /** @param span the longest window asked for */
    public ReadinessWindow(Duration span, Clock clock) {
        this.spanMs = span.toMillis();
        this.clock = clock;
    }

    /** Samples {@code view} every {@code period} until closed; a view that cannot be read leaves a gap. */
    public synchronized ReadinessWindow start(ClusterView view, Duration period) {
        sampling.dispose();
        sampling = Flux.interval(Duration.ZERO, period).onBackpressureDrop()
                // the dashboard's feed already logs a leader's view it cannot read, once a second
                .concatMap(t -> view.current().timeout(period).onErrorResume(e -> Mono.empty()))
                .subscribe(s -> record(s, clock.millis()));
        return this;
    }

    /** Adds the counts of {@code snapshot} as of {@code atMs}; a sample older than the newest is ignored. */
    public synchronized void record(LoopSnapshot snapshot, long atMs) {
        Sample last = samples.peekLast();
        if (last != null && atMs <= last.atMs()) {
            return;
        }
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (LoopSnapshot.InstanceView i : snapshot.instances()) {
            if (i.phase() == Phase.PREFILL) {
                long[] c = new long[ReadinessSource.values().length];
                for (ReadinessSource source : ReadinessSource.values()) {
                    c[source.ordinal()] = i.readiness(source);
                }
                counts.put(i.instanceId(), c);
            }
        }
        samples.addLast(new Sample(atMs, counts));
        // keep one sample at or before the span's start: the baseline of the longest window
        while (samples.size() > 1 && second().atMs() <= atMs - spanMs) {
            samples.removeFirst();
        }
    }

    private Sample second() {
        Iterator<Sample> it = samples.iterator();
        it.next();
        return it.next();
    }

    /**
     * Every prefill instance of the newest sample with its decisions over the last {@code window} (at most
     * the span), in the snapshot's order; empty before the first sample.
     */
    public synchronized Map<String, Recent> recent(Duration window) {
        Sample newest = samples.peekLast();
        if (newest == null) {
            return Map.of();
        }
        long cutoff = newest.atMs() - Math.min(window.toMillis(), spanMs);
        Map<String, Recent> recent = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : newest.counts().entrySet()) {
            Sample base = baseline(e.getKey(), cutoff);
            recent.put(e.getKey(), difference(e.getValue(), base.counts().get(e.getKey()), newest.atMs() - base.atMs()));
        }
        return recent;
    }

    /** The newest sample at or before {@code cutoff} that has the instance, else the oldest that has it. */
    private Sample baseline(String instance, long cutoff) {
        @Nullable Sample base = null;
        for (Sample s : samples) {
            if (s.counts().containsKey(instance) && (base == null || s.atMs() <= cutoff)) {
                base = s;
            }
        }
        return base;
    }

    private static Recent difference(long[] now, long[] then, long windowMs) {
        boolean restarted = false;
        for (int k = 0; k < now.length; k++) {
            restarted |= now[k] < then[k];
        }
        Map<String, Long> decisions = new LinkedHashMap<>();
        for (ReadinessSource source : ReadinessSource.values()) {
            int k = source.ordinal();
            decisions.put(source.tag(), restarted ? now[k] : now[k] - then[k]);
        }
        return new Recent(windowMs, decisions);
    }

    @Override
    public synchronized void close() {
        sampling.dispose();
    }

    /** For tests: how many samples are kept. */
    synchronized int samples() {
        return samples.size();
    }
}
