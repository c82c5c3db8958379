package io.sbs.admin;

import io.sbs.loop.DispatchLoop;
import io.sbs.loop.LoopSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The interval's recent past: every {@code period} one sample of the loop's snapshot ({@code Δ},
 * {@code T̄_fwd}, {@code τ_net}, {@code N} per phase, and the pinned interval), the last {@code capacity}
 * of them (by default 10 minutes at one a second), for {@code GET /api/v1/interval} and the dashboard.
 * Thread-safe; memory is bounded by the capacity.
 */
public final class IntervalHistory implements AutoCloseable {

    /**
     * @param atEpochMs      wall-clock time of the sample
     * @param decode         {@code null} without decode instances
     * @param pinnedInterval the policy's pin; {@link Duration#ZERO} while {@code Δ} adapts
     */
    public record Sample(long atEpochMs, LoopSnapshot.PhaseView prefill, LoopSnapshot.@Nullable PhaseView decode,
            Duration pinnedInterval) {
    }

    private final DispatchLoop loop;
    private final Clock clock;
    private final int capacity;
    private final ArrayDeque<Sample> samples;
    private Disposable sampling = Disposables.disposed();

    public IntervalHistory(DispatchLoop loop, Clock clock, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.loop = loop;
        this.clock = clock;
        this.capacity = capacity;
        this.samples = new ArrayDeque<>(capacity);
    }

    /** Samples every {@code period} on {@code scheduler} until closed. */
    public synchronized IntervalHistory start(Duration period, Scheduler scheduler) {
        sampling.dispose();
        sampling = Flux.interval(Duration.ZERO, period, scheduler).subscribe(tick -> sample());
        return this;
    }

    public IntervalHistory start(Duration period) {
        return start(period, Schedulers.parallel());
    }

    /** Takes one sample of the loop's latest snapshot, dropping the oldest beyond the capacity. */
    public void sample() {
        LoopSnapshot s = loop.snapshot();
        Sample next = new Sample(clock.millis(), s.prefill(), s.decode(), s.activePolicy().pinnedInterval());
        synchronized (samples) {
            if (samples.size() == capacity) {
                samples.pollFirst();
            }
            samples.addLast(next);
        }
    }

    /** The samples, oldest first. */
    public List<Sample> samples() {
        synchronized (samples) {
            return new ArrayList<>(samples);
        }
    }

    /** The samples of the last {@code window}, oldest first. */
    public List<Sample> last(Duration window) {
        long from = clock.millis() - window.toMillis();
        return samples().stream().filter(s -> s.atEpochMs() >= from).toList();
    }

    @Override
    public synchronized void close() {
        sampling.dispose();
    }
}
