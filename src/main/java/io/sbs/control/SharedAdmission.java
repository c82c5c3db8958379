package io.sbs.control;

import io.sbs.core.DpUnitId;
import io.sbs.core.InferenceRequest;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.Fence;
import io.sbs.state.FencedException;
import io.sbs.state.Leadership;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * Active-standby admission through the shared buffer: every node accepts requests, the leader decides.
 *
 * <p>A node accepts a request into the {@link ClusterStateStore}'s buffer before anything else, which is
 * when it counts as accepted. On the leader the request goes straight to its own dispatch loop. On a
 * standby the leader is nudged; its claimer takes the entry from the buffer, decides it in its loop, and
 * stores and publishes the assignment (a fenced write) to the accepting node, which calls the engines and
 * answers its client, and tells the leader when the prefill is done so the DP unit's capacity is freed.
 *
 * <p>When the leader dies, the standby that takes over claims the whole buffer again at its new epoch:
 * entries whose accepting node is alive and still waiting are decided again, those of dead nodes (whose
 * clients' connections died with them) are dropped. Each request is started exactly once because only its
 * accepting node starts it, on the first decision it gets; a later duplicate is handed back to the leader
 * that sent it. A request no leader decides within {@code decisionTimeout} is answered with an error.
 *
 * <p>Degraded mode ({@link DegradedMode}): while the store does not answer, each node decides its requests
 * in its own loop, as the leader decides its own: new ones without the buffer, and those it accepted before
 * and still waits for. A request whose write into the buffer fails or outlasts the grace is decided the
 * same way. Only the accepting node calls the engines, on the first decision, so a leader's later decision
 * of such an entry is handed back like any duplicate. On rejoining, the node releases its entries that
 * no waiting request needs any more, so the next leader does not decide them again.
 */
public final class SharedAdmission implements Admission, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SharedAdmission.class);
    private static final String ACCEPTED = "accepted";
    private static final String PREFILL_DONE = "prefill-done";
    /** Marks a prefill-done notice sent on the first token (a readiness signal), not on a release. */
    private static final String FIRST_TOKEN = "first-token";
    private static final String END_FORWARD = "end-forward ";
    private static final int CLAIM_BATCH = 256;

    private final ClusterStateStore store;
    private final Leadership leadership;
    private final DispatchLoop loop;
    private final int maxBuffered;
    private final Duration decisionTimeout;
    private final Duration heartbeatPeriod;
    private final Duration heartbeatTtl;
    private final String node;
    /** Null: the store's outages are not ridden out (requests fail after {@code decisionTimeout}). */
    private final @Nullable DegradedMode degraded;
    /** This node's entries in the buffer that a live request knows, by entry id. */
    private final Map<String, SharedTicket> entries = new ConcurrentHashMap<>();
    /** This node's accepted requests still waiting for a decision, by entry id. */
    private final Map<String, SharedTicket> waiting = new ConcurrentHashMap<>();
    /** What this node, as leader, decided for other nodes and still counts on a DP unit, by entry id. */
    private final Map<String, Remote> remote = new ConcurrentHashMap<>();
    private final Map<String, long[]> aliveUntil = new ConcurrentHashMap<>();
    /**
     * Entries this node, as leader, claimed while their node seemed dead: claimed once per epoch, they would
     * otherwise wait undecided if the node was only late with its heartbeat (as every node is after the
     * store was away), so the sweep looks at them again.
     */
    private final Map<String, AcceptedRequest.Entry> unsure = new ConcurrentHashMap<>();
    // distinct from the ingress's ids, which count from 1, in the loop's map of waiting requests
    private final AtomicLong remoteIds = new AtomicLong(1L << 48);
    private final Sinks.Many<Boolean> claimNudges = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicBoolean nudged = new AtomicBoolean();
    private Disposable running = Disposables.disposed();
    private volatile Consumer<String> relayedEndForwards = payload -> { };
    private String cursor = "-";
    private long cursorEpoch = -1;
    private long ledAt = -1;

    /** A decision for another node's request, held until it says its prefill is done. */
    private record Remote(DpUnitId unit, long requestId, int promptTokens, long epoch, long decidedAtNanos) {
    }

    /**
     * @param decisionTimeout how long an accepted request waits for a leader's decision (it must cover a
     *                        takeover: lease TTL and more)
     * @param heartbeatPeriod how often this node says it is alive
     * @param heartbeatTtl    how long a node counts as alive after its last heartbeat
     */
    public SharedAdmission(ClusterStateStore store, Leadership leadership, DispatchLoop loop, int maxBuffered,
            Duration decisionTimeout, Duration heartbeatPeriod, Duration heartbeatTtl) {
        this(store, leadership, loop, maxBuffered, decisionTimeout, heartbeatPeriod, heartbeatTtl, null);
    }

    /**
     * @param degraded when the store counts as unreachable, and with its grace how long a write into the
     *                 buffer may take before the request is decided locally; null to wait for a leader
     */
    public SharedAdmission(ClusterStateStore store, Leadership leadership, DispatchLoop loop, int maxBuffered,
            Duration decisionTimeout, Duration heartbeatPeriod, Duration heartbeatTtl,
            @Nullable DegradedMode degraded) {
        this.degraded = degraded;
        this.store = store;
        this.leadership = leadership;
        this.loop = loop;
        this.maxBuffered = maxBuffered;
        this.decisionTimeout = decisionTimeout;
        this.heartbeatPeriod = heartbeatPeriod;
        this.heartbeatTtl = heartbeatTtl;
        this.node = leadership.nodeId();
    }

    public synchronized SharedAdmission start() {
        running.dispose();
        if (degraded != null) {
            degraded.onDegraded(this::decideWaitingLocally);
            // the heartbeat first: it lapsed meanwhile, and a leader takes a node without one for dead
            degraded.onRejoined(() -> store.heartbeat(node, heartbeatTtl).then(reconcile())
                    .onErrorResume(this::warn).subscribe());
        }
        Duration poll = Duration.ofMillis(100);
        running = Disposables.composite(
                Flux.interval(Duration.ZERO, heartbeatPeriod).onBackpressureDrop()
                        .concatMap(t -> store.heartbeat(node, heartbeatTtl).onErrorResume(this::warn))
                        .subscribe(),
                store.assignments(node).subscribe(this::onAssignment, e -> log.error("assignments ended", e)),
                store.leaderNotices().subscribe(this::onNotice, e -> log.error("leader notices ended", e)),
                // nudged on every acceptance elsewhere, and polled in case a nudge was missed
                Flux.merge(claimNudges.asFlux(), Flux.interval(poll).map(t -> true)).onBackpressureDrop()
                        .concatMap(t -> claim().onErrorResume(this::warn), 1)
                        .subscribe(),
                Flux.interval(Duration.ofMillis(500)).onBackpressureDrop()
                        .concatMap(t -> recoverMissedAssignments().onErrorResume(this::warn))
                        .subscribe(),
                Flux.interval(Duration.ofSeconds(1)).onBackpressureDrop()
                        .concatMap(t -> sweep().onErrorResume(this::warn))
                        .subscribe());
        return this;
    }

    private <T> Mono<T> warn(Throwable e) {
        log.warn("{}: shared admission: {}", node, e.toString());
        return Mono.empty();
    }

    /** Whether this node decides alone now (degraded mode). */
    private boolean alone() {
        return degraded != null && degraded.degraded();
    }

    @Override
    public boolean overloaded() {
        return leadership.isLeader() || alone() ? loop.overloaded() : waiting.size() >= maxBuffered;
    }

    /**
     * Engines push EndForward to whichever replica their address reaches (a Service picks one): only the
     * leader's loop uses pass ends, so a standby relays them.
     */
    @Override
    public boolean relayEndForward(String payload) {
        if (leadership.isLeader() || alone()) {
            return false;
        }
        store.noticeLeader(END_FORWARD + payload).onErrorResume(this::warn).subscribe();
        return true;
    }

    /** Where the leader hands EndForward payloads relayed by other nodes. */
    public void onRelayedEndForward(Consumer<String> consumer) {
        relayedEndForwards = consumer;
    }

    @Override
    public Ticket admit(InferenceRequest request, Supplier<AcceptedRequest> accepted) {
        return new SharedTicket(request, accepted);
    }

    /** Waiting requests of this node (for metrics and tests). */
    public int waiting() {
        return waiting.size();
    }

    // ---- the accepting node's side ----

    private final class SharedTicket implements Ticket {
        private final InferenceRequest request;
        private final Supplier<AcceptedRequest> accepted;
        private final AtomicBoolean decidedOnce = new AtomicBoolean();
        private final AtomicBoolean submittedLocally = new AtomicBoolean();
        private final AtomicBoolean prefillReleased = new AtomicBoolean();
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile @Nullable String entryId;
        /** The call ended, however it ended: the entry is released once its id is known. */
        private volatile boolean ended;
        private volatile @Nullable MonoSink<DispatchLoop.Dispatched> sink;
        private volatile Disposable local = Disposables.disposed();
        private volatile DispatchLoop.@Nullable Dispatched dispatched;
        /** The epoch of the leader whose decision was taken; -1 for this node's own loop. */
        private volatile long decidedAtEpoch = -1;

        SharedTicket(InferenceRequest request, Supplier<AcceptedRequest> accepted) {
            this.request = request;
            this.accepted = accepted;
        }

        @Override
        public Mono<DispatchLoop.Dispatched> decided() {
            return Mono.defer(() -> {
                if (alone()) {
                    return Mono.<String>empty();
                }
                // the write goes on even if the client leaves meanwhile (Redis runs what was sent), so it is
                // not cancelled with the client: the entry is then released as soon as its id is known
                CompletableFuture<String> stored = store.accept(accepted.get()).toFuture();
                stored.thenAccept(this::known);
                return degraded == null ? Mono.fromFuture(stored, true) : bounded(stored, degraded);
            }).flatMap(id -> Mono.<DispatchLoop.Dispatched>create(s -> {
                known(id);
                sink = s;
                s.onCancel(this::withdraw);
                waiting.put(id, this);
                if (leadership.isLeader() || alone()) {
                    decideLocally();
                } else {
                    store.noticeLeader(ACCEPTED).onErrorResume(SharedAdmission.this::warn).subscribe();
                }
            })).switchIfEmpty(Mono.<DispatchLoop.Dispatched>create(s -> {
                // not in the buffer (degraded mode): this node's loop decides, as the leader's decides its own
                sink = s;
                s.onCancel(this::withdraw);
                decideLocally();
            })).timeout(decisionTimeout, Mono.error(() -> new NoDecisionException(decisionTimeout)))
                    .doOnCancel(this::withdraw)
                    .doOnError(e -> finished());
        }

        /**
         * The write into the buffer, bounded by the grace: when it fails or takes longer the store counts as
         * failing and the request is decided locally (empty). A write that lands later gets its entry
         * released when the call ends, through {@link #known}. The bound is on a copy of the future, not a
         * Reactor timeout: that would cancel the subscription, and the write's own late failure would then be
         * reported as a dropped error.
         */
        private Mono<String> bounded(CompletableFuture<String> write, DegradedMode mode) {
            long sent = loop.now();
            return Mono.fromFuture(write.copy().orTimeout(mode.grace().toNanos(), TimeUnit.NANOSECONDS), true)
                    .doOnNext(id -> mode.answered(sent))
                    .onErrorResume(e -> {
                        log.warn("{}: the shared buffer did not take request {} ({}); deciding it locally", node,
                                request.id(), e instanceof TimeoutException ? "timed out" : e.toString());
                        mode.failed();
                        return Mono.empty();
                    });
        }

        /** The leader dropped this request's entry while it waited: it goes into the buffer again. */
        Mono<Void> acceptAgain(String dropped) {
            if (decidedOnce.get() || !waiting.remove(dropped, this)) {
                return Mono.empty();
            }
            log.warn("{}: the leader dropped waiting entry {}; accepting it again", node, dropped);
            return store.accept(accepted.get()).doOnNext(id -> {
                released.set(false); // the dropped entry is gone; the new one is this request's now
                known(id);
                if (ended) {
                    return;
                }
                waiting.put(id, this);
                store.noticeLeader(ACCEPTED).onErrorResume(SharedAdmission.this::warn).subscribe();
            }).then();
        }

        void decideLocally() {
            if (submittedLocally.compareAndSet(false, true) && !decidedOnce.get()) {
                // the loop's clock starts when the request enters it: time spent waiting for a leader (a takeover)
                // is not a backlog of this loop, and must not turn on its flow control (TTFT keeps the real wait)
                InferenceRequest entering = new InferenceRequest(request.id(), request.promptTokens(),
                        request.outputTokens(), loop.now(), request.blockHashes());
                local = loop.submit(entering).subscribe(d -> {
                    if (!resolve(d, -1)) {
                        loop.onPrefillReleased(d.unit(), d.request().id(), request.promptTokens());
                    }
                });
            }
        }

        /** Takes the first decision; true if this was it. */
        boolean resolve(DispatchLoop.Dispatched d, long epoch) {
            if (!decidedOnce.compareAndSet(false, true)) {
                return false;
            }
            String id = entryId;
            if (id != null) {
                waiting.remove(id);
            }
            decidedAtEpoch = epoch; // before dispatched: prefillDone reads them in the other order
            dispatched = d;
            MonoSink<DispatchLoop.Dispatched> s = sink;
            if (s != null) {
                s.success(d);
            }
            if (ended) {
                // the client left as the decision came: nobody will call the engines, give the unit back
                prefillDone();
            }
            return true;
        }

        private void withdraw() {
            local.dispose();
            finished();
        }

        @Override
        public void firstToken(long observedAt) {
            done(observedAt);
        }

        @Override
        public void prefillDone() {
            done(Long.MIN_VALUE);
        }

        /** The prefill is done, with a first token seen at {@code observedAt}, or without ({@link Long#MIN_VALUE}). */
        private void done(long observedAt) {
            DispatchLoop.Dispatched d = dispatched;
            if (d == null || !prefillReleased.compareAndSet(false, true)) {
                return;
            }
            boolean token = observedAt != Long.MIN_VALUE;
            if (decidedAtEpoch < 0) {
                if (token) {
                    loop.onPrefillCompleted(d.unit(), d.request().id(), request.promptTokens(), observedAt);
                } else {
                    loop.onPrefillReleased(d.unit(), d.request().id(), request.promptTokens());
                }
            } else {
                // the leader's estimate needs the first token's time; it takes the notice's arrival for it
                store.noticeLeader(PREFILL_DONE + " " + entryId + " " + decidedAtEpoch + (token ? " " + FIRST_TOKEN : ""))
                        .onErrorResume(SharedAdmission.this::warn).subscribe();
            }
        }

        @Override
        public void finished() {
            ended = true; // before prefillDone: resolve checks it after setting dispatched
            prefillDone();
            release();
        }

        /**
         * The entry's id is known: from the write's completion, which may come after the call ended (the
         * client left meanwhile), so whichever of the two comes second releases the entry.
         */
        private void known(String id) {
            entryId = id;
            entries.put(id, this);
            if (ended) {
                release();
            }
        }

        private void release() {
            String id = entryId;
            if (id != null && released.compareAndSet(false, true)) {
                waiting.remove(id);
                entries.remove(id, this);
                // a release lost to a Redis outage would leave the entry for good (only dead nodes' entries
                // are swept): retry it across a Sentinel failover's few seconds
                store.release(id).retryWhen(Retry.backoff(8, Duration.ofMillis(250)).maxBackoff(Duration.ofSeconds(2)))
                        .onErrorResume(SharedAdmission.this::warn).subscribe();
            }
        }
    }

    /** An assignment for one of this node's requests: {@code entry epoch instance rank [decodeInstance decodeRank]}. */
    private void onAssignment(String text) {
        String[] f = text.split(" ");
        String entry = f[0];
        long epoch = Long.parseLong(f[1]);
        DpUnitId unit = new DpUnitId(f[2], Integer.parseInt(f[3]));
        DpUnitId decode = f.length > 5 ? new DpUnitId(f[4], Integer.parseInt(f[5])) : null;
        SharedTicket ticket = waiting.get(entry);
        if (ticket == null || !ticket.resolve(new DispatchLoop.Dispatched(ticket.request, unit, decode, loop.now()), epoch)) {
            // decided already (by this node's loop or an earlier leader) or gone: the sender must not keep counting it
            store.noticeLeader(PREFILL_DONE + " " + entry + " " + epoch).onErrorResume(this::warn).subscribe();
        }
    }

    /**
     * Assignments published while this node's subscription was reconnecting are read from the store; an
     * entry the leader dropped meanwhile (it took this node for dead: a pause longer than the heartbeat
     * TTL) is accepted again, so the request is not left waiting for a decision that cannot come.
     */
    private Mono<Void> recoverMissedAssignments() {
        if (alone()) {
            decideWaitingLocally(); // any that came in as the store went away
            return Mono.empty();
        }
        long now = loop.now();
        return Flux.fromIterable(waiting.entrySet())
                .filter(e -> now - e.getValue().request.arrivalNanos() > Duration.ofMillis(500).toNanos())
                .concatMap(e -> store.assignment(e.getKey())
                        .doOnNext(a -> {
                            if (waiting.containsKey(e.getKey())) {
                                onAssignment(a);
                            }
                        })
                        .switchIfEmpty(store.buffered(e.getKey()).flatMap(buffered -> buffered ? Mono.empty()
                                : e.getValue().acceptAgain(e.getKey()).then(Mono.empty()))))
                .then();
    }

    // ---- the leader's side ----

    private void onNotice(String text) {
        if (text.startsWith(END_FORWARD)) {
            if (leadership.isLeader()) {
                relayedEndForwards.accept(text.substring(END_FORWARD.length()));
            }
            return;
        }
        if (text.equals(ACCEPTED)) {
            if (leadership.isLeader() && nudged.compareAndSet(false, true)) {
                claimNudges.tryEmitNext(true);
            }
            return;
        }
        String[] f = text.split(" ");
        if ((f.length == 3 || f.length == 4) && f[0].equals(PREFILL_DONE)) {
            Remote r = remote.get(f[1]);
            if (r != null && r.epoch() == Long.parseLong(f[2]) && remote.remove(f[1], r)) {
                if (f.length == 4 && f[3].equals(FIRST_TOKEN)) {
                    loop.onPrefillCompleted(r.unit(), r.requestId(), r.promptTokens(), loop.now());
                } else {
                    loop.onPrefillReleased(r.unit(), r.requestId(), r.promptTokens());
                }
            }
        }
    }

    /** Claims what is buffered and decides it: this node's own waiting requests in its loop, others' for them. */
    private Mono<Void> claim() {
        nudged.set(false);
        if (!leadership.isLeader()) {
            if (ledAt >= 0) {
                stepDown();
            }
            return Mono.empty();
        }
        if (alone()) {
            return Mono.empty();
        }
        Fence fence = leadership.fence();
        if (fence.epoch() != cursorEpoch) {
            // a new term: everything buffered is ours to decide again, from the start
            cursor = "-";
            cursorEpoch = fence.epoch();
            unsure.clear();
            ledAt = fence.epoch();
            // whether the loop starts on measured passes (a hot standby) or on the offline default
            DispatchLoop.PassModel model = loop.passModel();
            log.info("{} leads at epoch {}: reconciling the shared buffer; prefill T̄_fwd {} ms, {}", node, fence.epoch(),
                    String.format(java.util.Locale.ROOT, "%.1f", model.meanForwardNanos() / 1e6),
                    model.fromPushes() ? "from EndForward pushes" : "not from pushes");
        }
        return store.claimAccepted(fence, cursor, CLAIM_BATCH)
                .concatMap(e -> {
                    cursor = e.entryId();
                    return decide(fence, e);
                })
                .onErrorResume(FencedException.class, e -> {
                    leadership.fenced();
                    return Mono.empty();
                })
                .then();
    }

    private Mono<Void> decide(Fence fence, AcceptedRequest.Entry e) {
        AcceptedRequest a = e.request();
        if (a.acceptedBy().equals(node)) {
            SharedTicket mine = waiting.get(e.entryId());
            if (mine != null) {
                mine.decideLocally();
            }
            return Mono.empty();
        }
        return alive(a.acceptedBy()).flatMap(alive -> {
            if (!alive) {
                unsure.put(e.entryId(), e); // the sweep drops it, or decides it if the node turns out alive
                return Mono.empty();
            }
            InferenceRequest r = new InferenceRequest(remoteIds.incrementAndGet(), a.promptTokens(), a.outputTokens(),
                    loop.now(), a.blockHashes());
            // the assignment goes out from the loop's decision without holding up the claimer
            loop.submit(r).flatMap(d -> assign(fence, e.entryId(), a.acceptedBy(), d))
                    .onErrorResume(this::warn).subscribe();
            return Mono.empty();
        });
    }

    private Mono<Void> assign(Fence fence, String entry, String acceptedBy, DispatchLoop.Dispatched d) {
        Remote held = new Remote(d.unit(), d.request().id(), d.request().promptTokens(), fence.epoch(),
                d.decidedAtNanos());
        remote.put(entry, held);
        StringBuilder text = new StringBuilder(entry).append(' ').append(fence.epoch()).append(' ')
                .append(d.unit().instanceId()).append(' ').append(d.unit().dpRank());
        if (d.decodeUnit() != null) {
            text.append(' ').append(d.decodeUnit().instanceId()).append(' ').append(d.decodeUnit().dpRank());
        }
        return store.assign(fence, entry, acceptedBy, text.toString())
                .doOnNext(assigned -> {
                    if (!assigned) {
                        free(entry, held); // the client left before the decision: nobody will use the unit
                    }
                })
                .onErrorResume(FencedException.class, x -> {
                    leadership.fenced();
                    return Mono.empty();
                })
                .doOnError(x -> free(entry, held))
                .then();
    }

    private void free(String entry, Remote held) {
        if (remote.remove(entry, held)) {
            loop.onPrefillReleased(held.unit(), held.requestId(), held.promptTokens());
        }
    }

    private Mono<Boolean> alive(String other) {
        long now = loop.now();
        long[] cached = aliveUntil.get(other);
        if (cached != null && cached[0] > now) {
            return Mono.just(cached[1] == 1);
        }
        return store.alive(other).doOnNext(a -> aliveUntil.put(other,
                new long[] {now + Duration.ofMillis(200).toNanos(), a ? 1 : 0}));
    }

    /**
     * The leader's housekeeping: entries of nodes that died are dropped (their clients' connections died
     * with them), and decisions whose prefill-done notice never came stop counting after the longest a
     * request may take.
     */
    private Mono<Void> sweep() {
        if (!leadership.isLeader() || alone()) {
            return Mono.empty();
        }
        long now = loop.now();
        long stale = decisionTimeout.multipliedBy(2).toNanos();
        remote.forEach((entry, r) -> {
            if (now - r.decidedAtNanos() > stale) {
                free(entry, r);
            }
        });
        Fence fence = leadership.fence();
        Flux<Void> late = Flux.fromIterable(List.copyOf(unsure.values()))
                .concatMap(e -> alive(e.request().acceptedBy()).flatMap(alive -> {
                    if (!alive || fence.epoch() != cursorEpoch || !unsure.remove(e.entryId(), e)) {
                        return Mono.empty(); // still dead: dropped below
                    }
                    return decide(fence, e);
                }));
        return late.thenMany(store.peekAccepted("-", 1_000))
                .filter(e -> !e.request().acceptedBy().equals(node))
                .concatMap(e -> alive(e.request().acceptedBy())
                        .filter(alive -> !alive)
                        .flatMap(dead -> store.finishAccepted(fence, e.entryId())
                                .doOnNext(removed -> unsure.remove(e.entryId()))))
                .onErrorResume(FencedException.class, x -> {
                    leadership.fenced();
                    return Mono.empty();
                })
                .then();
    }

    // ---- degraded mode ----

    /** The store went away: what this node accepted and still waits for is decided by its loop. */
    private void decideWaitingLocally() {
        waiting.values().forEach(SharedTicket::decideLocally);
    }

    /**
     * Back from degraded mode: this node's entries that no waiting request needs (decided locally meanwhile,
     * or written as their request gave up on the write) leave the buffer, so the next leader does not
     * decide them again. One it decides anyway, before this runs, is handed back as a duplicate.
     */
    private Mono<Void> reconcile() {
        int page = 1_000;
        return store.peekAccepted("-", page).collectList()
                .expand(batch -> batch.size() < page ? Mono.empty()
                        : store.peekAccepted(batch.get(batch.size() - 1).entryId(), page).collectList())
                .flatMapIterable(batch -> batch)
                .filter(e -> e.request().acceptedBy().equals(node))
                .concatMap(e -> {
                    SharedTicket t = entries.get(e.entryId());
                    if (t == null) {
                        return store.release(e.entryId()).then();
                    }
                    if (t.decidedOnce.get()) {
                        t.release();
                    }
                    return Mono.empty();
                })
                .then(Mono.fromRunnable(() -> log.info("{}: rejoined; its entries decided meanwhile left the buffer",
                        node)));
    }

    /** No longer leader: what this node decided for others no longer counts in its loop. */
    private void stepDown() {
        log.info("{} no longer leads (epoch {})", node, ledAt);
        ledAt = -1;
        cursorEpoch = -1;
        unsure.clear();
        remote.forEach(this::free);
    }

    @Override
    public synchronized void close() {
        running.dispose();
    }

    /** No leader decided an accepted request in time (no node leads, or Redis is unreachable). */
    public static final class NoDecisionException extends TimeoutException {
        private static final long serialVersionUID = 1L;

        NoDecisionException(Duration timeout) {
            super("no scheduler leader decided the request within " + timeout.toMillis() + " ms");
        }
    }
}
