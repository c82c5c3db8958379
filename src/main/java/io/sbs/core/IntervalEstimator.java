package io.sbs.core;

import java.util.function.IntSupplier;

/**
 * Adaptive scheduling interval (paper section 4.1.1): {@code Δ = (T̄_fwd + τ_net) / N}.
 *
 * <p>Implementation notes. Model: {@code T̄_fwd} is the plain mean of the last {@code window} reported
 * forward-pass durations, {@code τ_net} the mean of the last {@code window} dispatch latencies; both are
 * O(1) to update (ring buffers with running sums). Cold start: until a pass has been reported, {@code Δ}
 * is the configured default (an offline stress-test value) and {@code T̄_fwd} is taken as
 * {@code default * N}, so that the watchdog has a horizon from the first dispatch. {@code Δ} is clamped
 * to {@code [min, max]}; an operator may pin it, which bypasses the estimate and the clamps.
 *
 * <p>Hot standby: a node that does not lead learns {@code T̄_fwd} from the EndForward pushes it relays
 * (each sample remembers whether a push reported it), and may be given a prior, the leader's published
 * {@code T̄_fwd}, which stands in for the window while the window is empty, so a node that takes over
 * paces its first dispatches on the cluster's measured passes rather than on the offline default.
 *
 * <p>Times are nanoseconds on the caller's clock. Not thread-safe.
 */
public final class IntervalEstimator {

    /**
     * The longest forward pass a sample may claim: one minute, far beyond any real pass (the engine call
     * times out at the same order). A longer report is clamped to it, so one wrong or hostile report can
     * neither overflow the window's sum nor hold {@code T̄_fwd} (and the watchdog's horizon) at a year.
     */
    public static final long MAX_FORWARD_NANOS = 60_000_000_000L;

    private final Window forward;
    private final Window dispatchLatency;
    private long defaultInterval;
    private long minInterval;
    private long maxInterval;
    private long pinnedInterval;
    private long priorForward;
    private boolean priorFromPushes;

    public IntervalEstimator(int window, long defaultIntervalNanos, long minIntervalNanos, long maxIntervalNanos) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1");
        }
        this.forward = new Window(window);
        this.dispatchLatency = new Window(window);
        configure(defaultIntervalNanos, minIntervalNanos, maxIntervalNanos, 0);
    }

    /** Applies new policy settings; samples are kept. {@code pinnedNanos} 0 means adaptive. */
    public void configure(long defaultIntervalNanos, long minIntervalNanos, long maxIntervalNanos, long pinnedNanos) {
        if (minIntervalNanos <= 0 || maxIntervalNanos < minIntervalNanos) {
            throw new IllegalArgumentException("need 0 < min <= max");
        }
        this.defaultInterval = Math.max(minIntervalNanos, Math.min(maxIntervalNanos, defaultIntervalNanos));
        this.minInterval = minIntervalNanos;
        this.maxInterval = maxIntervalNanos;
        this.pinnedInterval = Math.max(0, pinnedNanos);
    }

    /** A pass measured by the dispatcher itself (its start and end observed). */
    public void recordForwardPass(long durationNanos) {
        recordForwardPass(durationNanos, false);
    }

    /** A pass of {@code durationNanos}; {@code pushed} when an EndForward push reported it. */
    public void recordForwardPass(long durationNanos, boolean pushed) {
        if (durationNanos > 0) {
            forward.add(Math.min(durationNanos, MAX_FORWARD_NANOS), pushed);
        }
    }

    /**
     * The {@code T̄_fwd} to use while the window is empty, instead of {@code default * N}: the leader's
     * published figure, on a node that stands by; {@code fromPushes} when that figure came from EndForward
     * pushes. A non-positive value removes the prior.
     */
    public void prior(long meanForwardNanos, boolean fromPushes) {
        priorForward = meanForwardNanos > 0 ? Math.min(meanForwardNanos, MAX_FORWARD_NANOS) : 0;
        priorFromPushes = priorForward > 0 && fromPushes;
    }

    /** Passes {@code T̄_fwd} averages now (at most the window). */
    public int forwardSamples() {
        return forward.count;
    }

    /** Of {@link #forwardSamples()}, those an EndForward push reported. */
    public int pushedForwardSamples() {
        return forward.pushed;
    }

    /**
     * Whether {@code T̄_fwd} comes from EndForward pushes: the window holds pushed passes, or, empty, it
     * stands on a prior that did.
     */
    public boolean forwardFromPushes() {
        return forward.pushed > 0 || (forward.count == 0 && priorFromPushes);
    }

    public void recordDispatchLatency(long latencyNanos) {
        if (latencyNanos >= 0) {
            dispatchLatency.add(latencyNanos);
        }
    }

    /**
     * A high estimate of {@code τ_net}: the slowest dispatch in the window, 0 before any sample. A top-up
     * must reach the engine before the pass ends, so the slow tail of the dispatch path matters, not its
     * mean: a top-up that lands late waits a whole pass on the device, while one held back a little waits
     * only for another instance's boundary. On a loaded host the tail is long and not normal, so mean plus
     * two deviations still let one top-up in twenty land late where the maximum let one in forty.
     */
    public long dispatchLatencyBoundNanos() {
        return dispatchLatency.count > 0 ? dispatchLatency.max() : 0;
    }

    /** {@code T̄_fwd}; with no sample, the prior, else the cold-start stand-in {@code default * N}. */
    public long meanForwardNanos(int healthyInstances) {
        if (forward.count > 0) {
            return forward.mean();
        }
        return priorForward > 0 ? priorForward : defaultInterval * Math.max(1, healthyInstances);
    }

    /**
     * {@link #meanForwardNanos(int)} asking for {@code N} only at cold start: counting the healthy
     * instances walks them all, and readiness asks for {@code T̄_fwd} several times per instance per tick.
     */
    public long meanForwardNanos(IntSupplier healthyInstances) {
        return forward.count > 0 ? forward.mean() : priorForward > 0 ? priorForward
                : meanForwardNanos(healthyInstances.getAsInt());
    }

    /** {@code τ_net}; 0 before any sample. */
    public long meanDispatchLatencyNanos() {
        return dispatchLatency.count > 0 ? dispatchLatency.mean() : 0;
    }

    /** {@code Δ} for {@code healthyInstances} instances; the pinned value when pinned. */
    public long intervalNanos(int healthyInstances) {
        if (pinnedInterval > 0) {
            return pinnedInterval;
        }
        if (forward.count == 0 && priorForward == 0) {
            return defaultInterval;
        }
        long raw = (meanForwardNanos(healthyInstances) + meanDispatchLatencyNanos()) / Math.max(1, healthyInstances);
        return Math.max(minInterval, Math.min(maxInterval, raw));
    }

    public boolean pinned() {
        return pinnedInterval > 0;
    }

    private static final class Window {
        private final long[] samples;
        private final boolean[] fromPush;
        private int next;
        private int count;
        private int pushed;
        private long sum;

        Window(int size) {
            samples = new long[size];
            fromPush = new boolean[size];
        }

        void add(long v) {
            add(v, false);
        }

        void add(long v, boolean push) {
            if (count == samples.length) {
                sum -= samples[next];
                pushed -= fromPush[next] ? 1 : 0;
            } else {
                count++;
            }
            samples[next] = v;
            fromPush[next] = push;
            pushed += push ? 1 : 0;
            sum += v;
            next = (next + 1) % samples.length;
        }

        long mean() {
            return sum / count;
        }

        long max() {
            long m = 0;
            for (int i = 0; i < count; i++) {
                m = Math.max(m, samples[i]);
            }
            return m;
        }
    }
}
