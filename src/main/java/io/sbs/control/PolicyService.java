package io.sbs.control;

import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.FencedException;
import io.sbs.state.Leadership;
import io.sbs.state.PolicyRecord;
import io.sbs.state.VersionConflictException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The active scheduling policy: stored, versioned and audited in the {@link ClusterStateStore}, applied to
 * the {@link DispatchLoop}. Only the leader changes it ({@link NotLeaderException} otherwise); a change
 * reaches the loop before its next tick. Every node also follows the store every {@code syncPeriod}, so a
 * standby that takes over already runs the policy its predecessor stored.
 */
public final class PolicyService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PolicyService.class);

    private final ClusterStateStore store;
    private final Leadership leadership;
    private final DispatchLoop loop;
    private final SchedulingPolicy initial;
    private final Duration syncPeriod;
    private Disposable sync = Disposables.disposed();
    private volatile long appliedVersion;

    /** @param initial the policy stored as version 1 when the store has none ({@code sbs.policy} at start) */
    public PolicyService(ClusterStateStore store, Leadership leadership, DispatchLoop loop, SchedulingPolicy initial,
            Duration syncPeriod) {
        this.store = store;
        this.leadership = leadership;
        this.loop = loop;
        this.initial = initial;
        this.syncPeriod = syncPeriod;
    }

    /** Seeds the store when it has no policy and this node leads, then follows it. */
    public synchronized PolicyService start() {
        sync.dispose();
        sync = Flux.interval(Duration.ZERO, syncPeriod)
                .onBackpressureDrop()
                .concatMap(tick -> follow().onErrorResume(e -> {
                    log.warn("policy sync failed: {}", e.toString());
                    return Mono.empty();
                }))
                .subscribe();
        return this;
    }

    private Mono<PolicyRecord> follow() {
        return store.currentPolicy()
                .switchIfEmpty(Mono.defer(() -> leadership.isLeader()
                        ? store.replacePolicy(initial, 0, "startup", leadership.fence())
                                .onErrorResume(VersionConflictException.class, e -> store.currentPolicy())
                        : Mono.empty()))
                .flatMap(this::applyIfNewer);
    }

    private Mono<PolicyRecord> applyIfNewer(PolicyRecord record) {
        if (record.version() <= appliedVersion) {
            return Mono.just(record);
        }
        return loop.applyPolicy(record.policy()).doOnNext(p -> {
            synchronized (this) {
                appliedVersion = Math.max(appliedVersion, record.version());
            }
        }).thenReturn(record);
    }

    /** The stored policy; before the first is stored, the loop's own at version 0. */
    public Mono<PolicyRecord> current() {
        return store.currentPolicy().switchIfEmpty(Mono.fromSupplier(() ->
                new PolicyRecord(loop.snapshot().activePolicy(), 0, "startup", 0, leadership.status().epoch())));
    }

    /**
     * Replaces the policy if {@code expectedVersion} is current, and applies it to the loop. Fails with
     * {@link NotLeaderException} on a standby (or a leader that finds itself fenced, which then demotes),
     * and {@link VersionConflictException} when someone changed it first.
     */
    public Mono<PolicyRecord> replace(SchedulingPolicy next, long expectedVersion, String actor) {
        return Mono.defer(() -> {
            if (!leadership.isLeader()) {
                return Mono.error(new NotLeaderException(leadership.status()));
            }
            return store.replacePolicy(next, expectedVersion, actor, leadership.fence())
                    .onErrorMap(FencedException.class, e -> {
                        leadership.fenced();
                        return new NotLeaderException(leadership.status());
                    })
                    .flatMap(this::applyIfNewer)
                    .doOnNext(r -> log.info("policy v{} by {} at epoch {}: {}", r.version(), r.actor(), r.epoch(),
                            r.policy().name()));
        });
    }

    /** The audit trail, newest first. */
    public Flux<PolicyRecord> history(int limit) {
        return store.policyHistory(limit);
    }

    @Override
    public synchronized void close() {
        sync.dispose();
    }
}
