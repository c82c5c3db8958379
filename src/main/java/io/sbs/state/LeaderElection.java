package io.sbs.state;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Active-standby leadership over a {@link LeaderLease}: every {@code renewPeriod} the node acquires (or
 * renews) the lease. It counts as leader only while its last successful renewal was <em>sent</em> less
 * than {@code demotionDeadline} ago, on the monotonic clock; Redis starts the lease's TTL later than that,
 * when it runs the command, so the node stops acting as leader before Redis lets the lease go
 * ({@link LeaseTimings}). {@link #isLeader} checks the deadline at every call, so a node whose renewals
 * stall demotes itself on time even if its renewal loop never runs again. A {@link FencedException} on
 * any write demotes at once ({@link #fenced}).
 */
public final class LeaderElection implements Leadership, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

    private final LeaderLease lease;
    private final LeaseTimings timings;
    private final LongSupplier clock;
    private Disposable renewals = Disposables.disposed();
    private volatile long renewedAt = Long.MIN_VALUE;
    private volatile long epoch;
    private volatile String leaderId;
    private volatile boolean holding;
    private final AtomicLong fencedWrites = new AtomicLong();
    private final List<LongConsumer> answered = new CopyOnWriteArrayList<>();

    /** @param clock monotonic nanoseconds ({@code System::nanoTime}) */
    public LeaderElection(LeaderLease lease, LeaseTimings timings, LongSupplier clock) {
        this.lease = lease;
        this.timings = timings;
        this.clock = clock;
    }

    /** Starts competing for the lease; the first attempt runs at once. */
    public synchronized LeaderElection start() {
        renewals.dispose();
        renewals = Flux.interval(Duration.ZERO, timings.renewPeriod())
                .onBackpressureDrop()
                .concatMap(tick -> attempt())
                .subscribe();
        return this;
    }

    private Mono<LeaderLease.Holder> attempt() {
        long sentAt = clock.getAsLong();
        return lease.acquire().timeout(timings.commandTimeout())
                .doOnNext(h -> {
                    answered.forEach(l -> l.accept(sentAt));
                    boolean was = isLeader();
                    leaderId = h.owner();
                    epoch = h.epoch();
                    holding = h.mine();
                    if (h.mine()) {
                        renewedAt = sentAt;
                    } else if (h.expiresInMs() >= 0 && h.expiresInMs() < timings.renewPeriod().toMillis()) {
                        // the lease runs out before the next renewal tick: try the moment it does, which takes
                        // up to a renew period off a takeover
                        Mono.delay(Duration.ofMillis(h.expiresInMs() + 1)).flatMap(t -> attempt()).subscribe();
                    }
                    if (was != isLeader()) {
                        log.info("{} is now {} (epoch {}, leader {})", lease.nodeId(), isLeader() ? "leader" : "standby",
                                h.epoch(), h.owner());
                    }
                })
                .onErrorResume(e -> {
                    // a lost renewal is not a demotion yet: the deadline decides, in isLeader()
                    log.warn("{}: lease renewal failed: {}", lease.nodeId(),
                            e instanceof TimeoutException ? "timed out" : e.toString());
                    return Mono.empty();
                });
    }

    /**
     * Tells {@code listener} of every lease attempt Redis answered, with when it was sent (this node's
     * clock): after one, some node holds the lease (degraded mode waits for it before it rejoins).
     */
    public void onLeaseAnswered(LongConsumer listener) {
        answered.add(listener);
    }

    @Override
    public String nodeId() {
        return lease.nodeId();
    }

    @Override
    public boolean isLeader() {
        return holding && clock.getAsLong() - renewedAt < timings.demotionDeadline().toNanos();
    }

    @Override
    public Status status() {
        boolean leader = isLeader();
        return new Status(lease.nodeId(), leader, epoch, leader ? lease.nodeId() : leaderId);
    }

    /** Demotes at once, before the next renewal says so. */
    @Override
    public void fenced() {
        fencedWrites.incrementAndGet();
        holding = false;
        log.warn("{}: a write was fenced at epoch {}; standing down", lease.nodeId(), epoch);
    }

    @Override
    public long fencedWrites() {
        return fencedWrites.get();
    }

    /** Stops renewing without giving the lease up, as a stopped or cut-off process would. */
    synchronized void halt() {
        renewals.dispose();
    }

    /** Stops competing and, when leading, gives the lease up so the standby need not wait out the TTL. */
    @Override
    public synchronized void close() {
        renewals.dispose();
        if (isLeader()) {
            holding = false;
            lease.release(epoch).timeout(timings.commandTimeout()).onErrorComplete().block();
        }
    }
}
