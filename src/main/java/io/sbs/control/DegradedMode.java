package io.sbs.control;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Whether this node can reach the shared store, and so whether its requests go through the shared buffer
 * or are decided by its own dispatch loop alone (degraded mode).
 *
 * <p>Model: the store counts as unreachable once a call to it failed or timed out and none has answered
 * for {@code grace}; calls hang rather than fail while the client reconnects to a new master, so a probe
 * bounded by the grace runs every {@code probePeriod} besides the calls requests make. The bound is the
 * grace itself, not less: a busy machine (a JVM starting beside this one) stalls answers for a few hundred
 * milliseconds, and a node that took that for an outage would decide alone for no reason. Leaving
 * degraded mode takes two answers: the store's, then the lease's (a lease attempt sent after the store
 * answered again): only then is some node sure to lead and to claim what is buffered, so a request sent
 * into the buffer meanwhile would wait for a decision nobody takes yet.
 *
 * <p>Transitions ({@link State}): {@code CONNECTED -> SUSPECT} on a failed call; {@code SUSPECT ->
 * CONNECTED} on an answer; {@code SUSPECT -> DEGRADED} once the last answer is {@code grace} old;
 * {@code DEGRADED -> REJOINING} on an answer; {@code REJOINING -> DEGRADED} on a failure; {@code REJOINING
 * -> CONNECTED} when the lease answered since. Listeners hear of entering {@code DEGRADED} (from a state
 * that was not degraded) and of the return to {@code CONNECTED}.
 *
 * <p>Thread safety: every transition is synchronized; {@link #degraded()} reads a volatile field.
 */
public final class DegradedMode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DegradedMode.class);

    /** Where this node stands with the store. */
    public enum State {
        /** The store answers: requests go through the shared buffer. */
        CONNECTED,
        /** A call failed; within the grace, requests still go through the store. */
        SUSPECT,
        /** The store has not answered for the grace: this node decides its requests alone. */
        DEGRADED,
        /** The store answers again, the lease not yet: still deciding alone. */
        REJOINING;

        /** Whether requests are decided by this node's loop alone. */
        public boolean local() {
            return this == DEGRADED || this == REJOINING;
        }
    }

    private final String node;
    private final Duration grace;
    private final LongSupplier clock;
    private final List<Runnable> onDegraded = new CopyOnWriteArrayList<>();
    private final List<Runnable> onRejoined = new CopyOnWriteArrayList<>();
    private volatile State state = State.CONNECTED;
    private long lastAnswered;
    private long rejoinSince;
    private long degradedSince;
    private long degradedNanos;
    private long episodes;
    private Disposable probe = Disposables.disposed();

    /**
     * @param grace how long the store may fail to answer before this node decides alone
     * @param clock monotonic nanoseconds ({@code System::nanoTime} in production)
     */
    public DegradedMode(String node, Duration grace, LongSupplier clock) {
        this.node = node;
        this.grace = grace;
        this.clock = clock;
        this.lastAnswered = clock.getAsLong();
    }

    /**
     * Probes the store with {@code call} every {@code period}, each call bounded by the grace, and
     * re-evaluates the grace at each tick.
     */
    public synchronized DegradedMode start(Mono<?> call, Duration period) {
        probe.dispose();
        Duration timeout = grace;
        probe = Flux.interval(period).onBackpressureDrop()
                .concatMap(t -> {
                    long sent = clock.getAsLong();
                    tick();
                    return call.timeout(timeout).then(Mono.fromRunnable(() -> answered(sent)))
                            .onErrorResume(e -> Mono.fromRunnable(this::failed));
                })
                .subscribe();
        return this;
    }

    /** A store call sent at {@code sentAt} answered. */
    public synchronized void answered(long sentAt) {
        lastAnswered = Math.max(lastAnswered, sentAt);
        switch (state) {
            case SUSPECT -> state = State.CONNECTED;
            case DEGRADED -> {
                state = State.REJOINING;
                rejoinSince = sentAt;
                log.info("{}: the shared store answers again; rejoining once the lease answers", node);
            }
            default -> { }
        }
    }

    /** A store call failed or timed out. */
    public void failed() {
        Runnable[] fire;
        synchronized (this) {
            if (state == State.CONNECTED) {
                state = State.SUSPECT;
            } else if (state == State.REJOINING) {
                state = State.DEGRADED;
            }
            fire = evaluate();
        }
        for (Runnable r : fire) {
            r.run();
        }
    }

    /** A lease attempt sent at {@code sentAt} answered. */
    public void leaseAnswered(long sentAt) {
        boolean rejoined;
        synchronized (this) {
            rejoined = state == State.REJOINING && sentAt - rejoinSince >= 0;
            if (rejoined) {
                state = State.CONNECTED;
                degradedNanos += clock.getAsLong() - degradedSince;
                log.warn("{}: rejoined the shared store after {} ms deciding alone", node,
                        Duration.ofNanos(clock.getAsLong() - degradedSince).toMillis());
            }
        }
        if (rejoined) {
            onRejoined.forEach(Runnable::run);
        }
    }

    /** Re-evaluates the grace now (a call may hang without failing). */
    public void tick() {
        Runnable[] fire;
        synchronized (this) {
            fire = evaluate();
        }
        for (Runnable r : fire) {
            r.run();
        }
    }

    private Runnable[] evaluate() {
        long now = clock.getAsLong();
        if (state == State.SUSPECT && now - lastAnswered >= grace.toNanos()) {
            state = State.DEGRADED;
            degradedSince = now;
            episodes++;
            log.warn("{}: the shared store has not answered for {} ms: deciding requests alone (degraded)", node,
                    Duration.ofNanos(now - lastAnswered).toMillis());
            return onDegraded.toArray(Runnable[]::new);
        }
        return new Runnable[0];
    }

    /** How long the store may fail to answer before this node decides alone. */
    public Duration grace() {
        return grace;
    }

    public State state() {
        return state;
    }

    /** Whether this node decides its requests alone now. */
    public boolean degraded() {
        return state.local();
    }

    /** Time spent deciding alone since start, the current episode included, in seconds. */
    public synchronized double degradedSeconds() {
        long current = state.local() ? clock.getAsLong() - degradedSince : 0;
        return (degradedNanos + current) / 1e9;
    }

    /** Times this node entered degraded mode since start. */
    public synchronized long episodes() {
        return episodes;
    }

    /** When the current episode began (this node's monotonic clock); meaningful while degraded. */
    public synchronized long degradedSinceNanos() {
        return degradedSince;
    }

    /** Runs {@code listener} (on the caller's thread) each time this node enters degraded mode. */
    public void onDegraded(Runnable listener) {
        onDegraded.add(listener);
    }

    /** Runs {@code listener} (on the caller's thread) each time this node rejoins the store. */
    public void onRejoined(Runnable listener) {
        onRejoined.add(listener);
    }

    @Override
    public synchronized void close() {
        probe.dispose();
    }
}
