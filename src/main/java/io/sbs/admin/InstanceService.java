package io.sbs.admin;

import io.sbs.cluster.EngineCluster;
import io.sbs.config.SbsProperties;
import io.sbs.control.NotLeaderException;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.FencedException;
import io.sbs.state.Leadership;
import io.sbs.state.OperatorState;
import io.sbs.state.VersionConflictException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Instances joining, leaving and draining at run time, for the admin API and the dashboard. The engine's
 * client is registered before the dispatch loop learns of the instance and removed after the loop forgot
 * it, so no decision ever names an instance without a client. Only the leader changes the cluster
 * ({@link NotLeaderException} on a standby). Errors are problem-detail exceptions: 404 for an unknown id,
 * 409 for a taken id or the last instance of a phase.
 *
 * <p>Every change is stored in the {@link ClusterStateStore} as the next version of the
 * {@link OperatorState}, fenced by the leader's lease and audited, like the policy. The leader applies a
 * change to itself first (so the loop's own checks refuse what it cannot do), then stores it, and goes back
 * to the stored state when the store refuses it. Every node follows the store every {@code syncPeriod},
 * and from its start, so a standby that takes over, or a node that restarts, dispatches to the instances
 * the operators left, and relays their EndForward pushes. Changes and syncs run one at a time.
 */
public final class InstanceService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InstanceService.class);

    private final EngineCluster engines;
    private final DispatchLoop loop;
    private final Leadership leadership;
    private final ClusterStateStore store;
    private final Duration syncPeriod;
    /** The instances this node started with: what the stored state's removals and registrations apply to. */
    private final Set<String> configured;
    /** The registered instances applied here, as registered: an id registered again with other settings is replaced. */
    private final Map<String, OperatorState.Instance> appliedRegistered = new HashMap<>();
    private volatile long appliedVersion;
    private final Sinks.Many<Mono<Void>> tasks = Sinks.many().unicast().onBackpressureBuffer();
    private final Disposable worker;
    private Disposable sync = Disposables.disposed();

    public InstanceService(EngineCluster engines, DispatchLoop loop, Leadership leadership, ClusterStateStore store,
            Duration syncPeriod) {
        this.engines = engines;
        this.loop = loop;
        this.leadership = leadership;
        this.store = store;
        this.syncPeriod = syncPeriod;
        this.configured = new HashSet<>(engines.members().stream().map(EngineCluster.Member::id).toList());
        this.worker = tasks.asFlux().concatMap(t -> t.onErrorResume(e -> Mono.empty())).subscribe();
        // a decision for an instance registered on the leader a moment ago: follow the store now
        engines.onUnknownInstance(() -> serially(this::follow).subscribe(s -> { },
                e -> log.warn("instance sync failed: {}", e.toString())));
    }

    /** Follows the stored state from now on, every {@code syncPeriod}. */
    public synchronized InstanceService start() {
        sync.dispose();
        sync = Flux.interval(Duration.ZERO, syncPeriod)
                .onBackpressureDrop()
                .concatMap(tick -> serially(this::follow).onErrorResume(e -> {
                    log.warn("instance sync failed: {}", e.toString());
                    return Mono.empty();
                }))
                .subscribe();
        return this;
    }

    public Mono<EngineCluster.Member> register(SbsProperties.Instance instance, String actor) {
        return serially(() -> Problems.unlessLeader(leadership).then(follow())
                // the URL's host is resolved to check its network: off the event loop
                .publishOn(Schedulers.boundedElastic()).flatMap(state -> {
            EngineCluster.Member m;
            try {
                m = engines.add(instance);
            } catch (IllegalArgumentException e) {
                return Mono.error(Problems.of(HttpStatus.CONFLICT, e.getMessage()));
            }
            OperatorState.Instance stored = stored(instance);
            return loop.addInstance(m.id(), m.phase(), m.dpUnits(), m.chunkTokens(), m.kvCapacityTokens())
                    .onErrorResume(e -> {
                        engines.remove(m.id());
                        return Mono.error(Problems.of(HttpStatus.CONFLICT, e.getMessage()));
                    })
                    .doOnSuccess(v -> appliedRegistered.put(m.id(), stored))
                    .then(store(state.register(stored, actor)))
                    .doOnSuccess(v -> log.info("instance {} ({}, {} DP units, {}) registered by {}", m.id(), m.phase(),
                            m.dpUnits(), instance.url(), actor))
                    .thenReturn(m);
        }));
    }

    public Mono<Void> remove(String id, String actor) {
        return serially(() -> Problems.unlessLeader(leadership).then(follow()).flatMap(state -> known(id)
                .then(removeHere(id))
                .onErrorMap(IllegalArgumentException.class, e -> Problems.noSuchInstance(id))
                .onErrorMap(IllegalStateException.class, e -> Problems.of(HttpStatus.CONFLICT,
                        e.getMessage() + "; register another first"))
                .then(store(state.remove(id, actor)))
                .doOnSuccess(v -> log.info("instance {} removed by {}", id, actor))
                .then()));
    }

    public Mono<Void> drain(String id, boolean draining, String actor) {
        return serially(() -> Problems.unlessLeader(leadership).then(follow()).flatMap(state -> known(id)
                .then(loop.drain(id, draining))
                .onErrorMap(IllegalArgumentException.class, e -> Problems.noSuchInstance(id))
                .onErrorMap(IllegalStateException.class, e -> Problems.of(HttpStatus.CONFLICT,
                        e.getMessage() + "; register another or resume one first"))
                .then(store(state.drain(id, draining, actor)))
                .doOnSuccess(v -> log.info("instance {} {} by {}", id, draining ? "draining" : "resumed", actor))
                .then()));
    }

    /** The operators' instance changes, newest first. */
    public Flux<OperatorState> history(int limit) {
        return store.operatorHistory(limit);
    }

    private Mono<Void> known(String id) {
        return Mono.defer(() -> engines.contains(id) ? Mono.empty() : Mono.error(Problems.noSuchInstance(id)));
    }

    /**
     * Stores a change the leader has applied to itself. When the store refuses it (another node leads now,
     * or wrote first), this node goes back to the stored state and the caller gets 409.
     */
    private Mono<OperatorState> store(OperatorState next) {
        return store.replaceOperatorState(next, next.version(), leadership.fence())
                .doOnNext(s -> appliedVersion = s.version())
                .onErrorResume(e -> current().flatMap(this::apply).then(Mono.error(refusal(e))));
    }

    private Throwable refusal(Throwable e) {
        if (e instanceof FencedException) {
            leadership.fenced();
            return new NotLeaderException(leadership.status());
        }
        if (e instanceof VersionConflictException) {
            return Problems.of(HttpStatus.CONFLICT, "the instances were changed at the same time; retry");
        }
        return e;
    }

    private Mono<OperatorState> current() {
        return store.operatorState().defaultIfEmpty(OperatorState.NONE);
    }

    /** The stored state, applied here first when newer than what this node applied. */
    private Mono<OperatorState> follow() {
        return current().flatMap(s -> s.version() > appliedVersion ? apply(s).thenReturn(s) : Mono.just(s));
    }

    /**
     * Makes this node's instances those of {@code target}: new ones first, so that a removal never leaves a
     * phase without instances on the way, then removals, then draining. A step this node cannot take (an
     * engine URL outside its {@code sbs.instance-networks}, say) is logged and skipped, not retried.
     */
    private Mono<Void> apply(OperatorState target) {
        return Mono.defer(() -> {
            Set<String> wanted = new HashSet<>(configured);
            wanted.removeAll(target.removed());
            target.registered().forEach(i -> wanted.add(i.id()));
            List<String> here = engines.members().stream().map(EngineCluster.Member::id).toList();
            Flux<Void> replaced = Flux.fromIterable(target.registered())
                    .filter(i -> here.contains(i.id()) && !Objects.equals(appliedRegistered.get(i.id()), i))
                    .concatMap(i -> removeHere(i.id()).then(addHere(i)).onErrorResume(e -> skipped("replace", i.id(), e)));
            Flux<Void> added = Flux.fromIterable(target.registered())
                    .filter(i -> !here.contains(i.id()))
                    .concatMap(i -> addHere(i).onErrorResume(e -> skipped("register", i.id(), e)));
            Flux<Void> restored = Flux.fromIterable(wanted)
                    .filter(id -> !here.contains(id) && target.registeredInstance(id) == null)
                    .concatMap(id -> restoreHere(id).onErrorResume(e -> skipped("restore", id, e)));
            Flux<Void> removed = Flux.fromIterable(here)
                    .filter(id -> !wanted.contains(id))
                    .concatMap(id -> removeHere(id).onErrorResume(e -> skipped("remove", id, e)));
            Flux<Void> drains = Flux.defer(() -> {
                Set<String> now = loop.drainingInstances();
                List<String> present = engines.members().stream().map(EngineCluster.Member::id).toList();
                // resumes before drains, so that a phase never has every instance draining on the way
                return Flux.concat(
                        Flux.fromIterable(present).filter(id -> now.contains(id) && !target.draining().contains(id))
                                .concatMap(id -> loop.drain(id, false).onErrorResume(e -> skipped("resume", id, e))),
                        Flux.fromIterable(present).filter(id -> !now.contains(id) && target.draining().contains(id))
                                .concatMap(id -> loop.drain(id, true).onErrorResume(e -> skipped("drain", id, e))));
            });
            return Flux.concat(added, restored, removed, replaced, drains).then(Mono.fromRunnable(() -> {
                appliedVersion = target.version();
                if (target.version() > 0) {
                    log.info("instances at version {} ({} {} by {} at epoch {}): {}", target.version(),
                            target.action().name().toLowerCase(java.util.Locale.ROOT), target.instanceId(),
                            target.actor(), target.epoch(), engines.members().stream().map(EngineCluster.Member::id)
                                    .toList());
                }
            }));
        });
    }

    private Mono<Void> addHere(OperatorState.Instance i) {
        // the URL's host is resolved to check its network: off the event loop
        return Mono.fromCallable(() -> engines.add(new SbsProperties.Instance(i.id(), i.url(), i.kind(), i.role(),
                i.dpUnits(), i.chunkTokens(), i.kvCapacityTokens(), i.bootstrapPort())))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(m -> loop.addInstance(m.id(), m.phase(), m.dpUnits(), m.chunkTokens(), m.kvCapacityTokens())
                    .onErrorResume(e -> {
                        engines.remove(m.id());
                        return Mono.error(e);
                    })
                    .doOnSuccess(v -> appliedRegistered.put(i.id(), i)));
    }

    private Mono<Void> restoreHere(String id) {
        return Mono.defer(() -> {
            EngineCluster.Member m = engines.restore(id);
            return loop.addInstance(m.id(), m.phase(), m.dpUnits(), m.chunkTokens(), m.kvCapacityTokens());
        });
    }

    private Mono<Void> removeHere(String id) {
        return loop.removeInstance(id).then(Mono.fromRunnable(() -> {
            engines.remove(id);
            appliedRegistered.remove(id);
        }));
    }

    private static Mono<Void> skipped(String step, String id, Throwable e) {
        log.warn("instance {}: cannot {} it here as the operators' stored state says: {}", id, step, e.toString());
        return Mono.empty();
    }

    private static OperatorState.Instance stored(SbsProperties.Instance i) {
        return new OperatorState.Instance(i.id(), i.url(), i.kind(), i.role(), i.dpUnits(), i.chunkTokens(),
                i.kvCapacityTokens(), i.bootstrapPort());
    }

    /** Runs {@code task} after every change and sync queued before it, and before any queued after. */
    private <T> Mono<T> serially(Supplier<Mono<T>> task) {
        return Mono.defer(() -> {
            Sinks.One<T> result = Sinks.one();
            // assembled when its turn comes, so that it reads the state its predecessors left
            Mono<Void> run = Mono.defer(task).doOnNext(result::tryEmitValue)
                    .doOnSuccess(v -> {
                        if (v == null) {
                            result.tryEmitEmpty();
                        }
                    })
                    .doOnError(result::tryEmitError)
                    .doOnCancel(() -> result.tryEmitError(new IllegalStateException("instance service stopped")))
                    .then();
            Sinks.EmitResult queued;
            synchronized (tasks) {
                queued = tasks.tryEmitNext(run);
            }
            return queued.isSuccess() ? result.asMono()
                    : Mono.error(new IllegalStateException("the instance service is stopped"));
        });
    }

    @Override
    public synchronized void close() {
        sync.dispose();
        worker.dispose();
    }
}
