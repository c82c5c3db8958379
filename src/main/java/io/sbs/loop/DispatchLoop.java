package io.sbs.loop;

import io.netty.channel.EventLoop;
import io.sbs.core.Assignment;
import io.sbs.core.ClusterState;
import io.sbs.core.DecodeLedger;
import io.sbs.core.DpUnitId;
import io.sbs.core.DpUnitState;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.InferenceRequest;
import io.sbs.core.InstanceState;
import io.sbs.core.LoadPolledEvent;
import io.sbs.core.Phase;
import io.sbs.core.PhaseDispatch;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.ReadinessSource;
import io.sbs.core.SchedulingPolicy;
import io.sbs.engine.EngineLoops;
import io.sbs.engine.PrefixBlocks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs the core's dispatch strategies one task at a time ({@link LoopExecutor}): only the task running
 * touches the {@link ClusterState}, on the loop's thread ({@code sbs-dispatch}) or, for a request's
 * arrival that finds the loop idle, on the thread that brought it.
 *
 * <p>{@link #submit} answers with the DP units a request was assigned to, when the strategies decide: at
 * once for the immediate baselines, at a staggered tick for SBS. With decode instances registered (P/D
 * disaggregation) the prefill assignments of a cycle enter the decode strategy together, so a request's
 * prefill and decode units come from the same window. Engine signals ({@link #onForwardEnded},
 * {@link #onLoadPolled}, {@link #onDecodeLoadPolled}) and completions go to the cluster state on the same
 * thread and run a dispatch cycle (the fast path). One tick is kept scheduled at the strategies' earliest {@code nextTickAt}. A
 * request whose client leaves before it is assigned is dropped from the answer; if a strategy assigns it
 * later, its decisions are withdrawn so their capacity is not held.
 *
 * <p>Other threads read the state through {@link #snapshot()}, refreshed on the loop every second.
 */
public final class DispatchLoop implements AutoCloseable {

    /**
     * The decision for one request, and when it was taken (this loop's clock).
     *
     * @param decodeUnit {@code null} without decode instances
     */
    public record Dispatched(InferenceRequest request, DpUnitId unit, @Nullable DpUnitId decodeUnit,
            long decidedAtNanos) {
    }

    /**
     * What the cache view predicted for one prefill decision of a request with block hashes.
     *
     * @param lookupTokens the request's prompt tokens
     * @param hitTokens    the prompt tokens the chosen unit holds cached as its leading blocks, by the view as it
     *                     stood when the decision's cycle began (at most {@code lookupTokens})
     */
    public record PrefixLookup(DpUnitId unit, String policy, int lookupTokens, int hitTokens) {
    }

    private static final long[] NO_LOOKUPS = new long[2];
    private static final Duration SNAPSHOT_PERIOD = Duration.ofSeconds(1);

    private final LoopExecutor executor = new LoopExecutor();
    /** The loop as a Reactor scheduler, for the admin changes and reads that answer with a {@code Mono}. */
    private final Scheduler onLoop = Schedulers.fromExecutor(executor::execute);
    private final ClusterState cluster;
    private final PolicyRegistry registry;
    private final LongSupplier clock;
    private final int maxBuffered;
    private final long maxQueueNanos;
    /** Accepted requests without an answer yet, oldest first. */
    private final Map<Long, Waiting> waiting = new LinkedHashMap<>();
    private volatile long oldestArrival = Long.MAX_VALUE;
    /** Requests whose prefill unit is chosen and whose decode unit is not yet. */
    private final Map<Long, Assignment> awaitingDecode = new HashMap<>();
    /** Per decode unit: requests sent and not yet seen in a load report. */
    private final DecodeLedger decodeLedger = new DecodeLedger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean cycleQueued = new AtomicBoolean();
    private final Queue<Runnable> deferred = new ConcurrentLinkedQueue<>();
    private final Set<String> drainingIds = ConcurrentHashMap.newKeySet();
    private final List<Consumer<InferenceRequest>> submitted = new CopyOnWriteArrayList<>();
    private final List<Consumer<PrefixLookup>> lookups = new CopyOnWriteArrayList<>();
    /** Per prefill unit: prompt tokens looked up and tokens predicted cached, since start (for the snapshot). */
    private final Map<DpUnitId, long[]> prefixTotals = new HashMap<>();
    private final Disposable snapshots;
    private PhaseDispatch prefill;
    private @Nullable PhaseDispatch decode;
    private Disposable tick = Disposables.disposed();
    private long tickAt = Long.MAX_VALUE;
    private long tickGeneration;
    private long passTokens;
    private long passCapacity;
    private volatile boolean overloaded;
    private volatile PassModel passModel = new PassModel(0, false);
    private volatile LoopSnapshot snapshot;

    /**
     * @param maxBuffered   bound of the scheduler-side buffer; at it {@link #overloaded()} is true
     * @param maxQueueNanos bound of the oldest buffered request's wait; beyond it {@link #overloaded()} is true
     * @param clock         monotonic nanoseconds ({@code System::nanoTime} in production)
     */
    public DispatchLoop(ClusterState cluster, PolicyRegistry registry, int maxBuffered, long maxQueueNanos,
            LongSupplier clock) {
        this.cluster = cluster;
        this.registry = registry;
        this.clock = clock;
        this.maxBuffered = maxBuffered;
        this.maxQueueNanos = maxQueueNanos;
        String name = cluster.policy().name();
        this.prefill = registry.prefill(name, cluster, new SplittableRandom(1));
        this.decode = decodeStrategy(name);
        markForwardSource();
        this.snapshot = takeSnapshot();
        this.snapshots = executor.schedulePeriodically(() -> snapshot = takeSnapshot(), SNAPSHOT_PERIOD);
    }

    private @Nullable PhaseDispatch decodeStrategy(String name) {
        return cluster.instances(Phase.DECODE).isEmpty() ? null : registry.decode(name, cluster, new SplittableRandom(2));
    }

    /**
     * Offers a request to the strategies; completes with its DP units when they assign it. The answer is
     * delivered on the event loop that read the request (the subscriber context's
     * {@link EngineLoops#CALLER_LOOP}; without one, inside the loop's task that decided), which goes on to
     * start the engine request there. For an immediate policy on an idle loop the deciding task is the arrival
     * itself, on that very event loop: no thread hop at all. A staggered one decides at the tick, on the loop's
     * thread, and hands each decision to its request's event loop, so the engine calls of a batch start in
     * parallel; the hop is part of the measured {@code τ_net}.
     */
    public Mono<Dispatched> submit(InferenceRequest request) {
        return Mono.<Dispatched>create(sink -> {
            pending.incrementAndGet();
            Waiting w = new Waiting(request, sink);
            // Reactor runs this only when the cancel came before the decision reached the subscriber: a
            // decision handed to the sink after it is dropped, so the loop must give back what it held
            sink.onCancel(() -> {
                w.cancelled = true;
                executor.executeLight(() -> withdraw(w));
            });
            executor.executeLight(() -> {
                applyDeferred();
                if (w.cancelled) {
                    pending.decrementAndGet(); // gone before the loop saw it
                    return;
                }
                waiting.put(request.id(), w);
                markOldest();
                for (Consumer<InferenceRequest> listener : submitted) {
                    listener.accept(request);
                }
                predictHits(w);
                deliverPrefill(prefill.onArrival(request, clock.getAsLong()));
                reschedule();
            });
        });
    }

    /** The client of {@code w} went away without its decision: forget the request, or give back its units. */
    private void withdraw(Waiting w) {
        InferenceRequest request = w.request;
        if (waiting.remove(request.id(), w)) {
            pending.decrementAndGet();
            markOldest();
            // still buffered: forget it, so it neither takes capacity later nor keeps flow control on
            if (prefill.cancel(request.id())) {
                overloaded = prefill.overloaded();
            } else if (decode != null && decode.cancel(request.id())) {
                Assignment p = awaitingDecode.remove(request.id());
                if (p != null) {
                    cluster.withdrawDispatch(p, clock.getAsLong());
                }
            }
            reschedule();
        } else if (w.prefillUnit != null) {
            // decided as the client left: nothing was sent, so the units give the request back
            cluster.withdrawDispatch(new Assignment(request, w.prefillUnit), clock.getAsLong());
            if (w.decodeUnit != null) {
                cluster.releaseDecode(w.decodeUnit, request.totalTokens());
                if (w.decodeSent != null) {
                    decodeLedger.withdraw(w.decodeUnit, w.decodeSent); // a later load report must not count it as landed
                }
            }
            reschedule();
        }
    }

    /**
     * Adds {@code listener}, told of every request {@link #submit} accepts, on the loop's thread and before
     * the strategies see it (the policy preview records traffic this way). It runs inside the loop's task,
     * so it must be quick and must not throw.
     */
    public void onSubmitted(Consumer<InferenceRequest> listener) {
        submitted.add(listener);
    }

    /**
     * Adds {@code listener}, told of every prefill decision for a request with prefix block hashes, on the
     * loop's thread, with what the cache view predicted for it (the prefix meters count these). Quick, and
     * must not throw.
     */
    public void onPrefixLookup(Consumer<PrefixLookup> listener) {
        lookups.add(listener);
    }

    /**
     * Notes, for each prefill unit, the leading blocks of {@code w}'s prompt the view holds there. Taken before
     * the strategy decides, as deciding remembers the prompt's blocks on the chosen unit: afterwards the view
     * would claim the whole prompt. Costs a hash lookup per unit and matched block.
     */
    private void predictHits(Waiting w) {
        long[] hashes = w.request.blockHashes();
        if (hashes.length == 0) {
            return;
        }
        Map<DpUnitId, Integer> hits = new HashMap<>();
        for (InstanceState i : cluster.instances(Phase.PREFILL)) {
            for (DpUnitState u : i.units()) {
                int blocks = u.cachedPrefixBlocks(hashes);
                if (blocks > 0) {
                    hits.put(u.id(), blocks);
                }
            }
        }
        w.predictedBlocks = hits;
    }

    /** {@link #predictHits} for every request the prefill strategy may still decide. */
    private void predictUndecided() {
        for (Waiting w : waiting.values()) {
            if (w.prefillUnit == null && !awaitingDecode.containsKey(w.request.id())) {
                predictHits(w);
            }
        }
    }

    private void reportLookup(Waiting w, DpUnitId unit) {
        InferenceRequest r = w.request;
        if (r.blockHashes().length == 0) {
            return;
        }
        Map<DpUnitId, Integer> hits = w.predictedBlocks;
        long blocks = hits == null ? 0 : hits.getOrDefault(unit, 0);
        int hit = (int) Math.min(r.promptTokens(), blocks * cluster.policy().cacheBlockTokens());
        long[] totals = prefixTotals.computeIfAbsent(unit, u -> new long[2]);
        totals[0] += r.promptTokens();
        totals[1] += hit;
        PrefixLookup lookup = new PrefixLookup(unit, cluster.policy().name(), r.promptTokens(), hit);
        for (Consumer<PrefixLookup> listener : lookups) {
            listener.accept(lookup);
        }
    }

    /**
     * Whether new requests should be refused (429): the prefill strategy's flow control is on, the buffer
     * is at its bound, or its oldest request has waited longer than the bound on queueing. The last
     * catches what the strategy cannot see: when no instance opens (engines that never report a pass
     * end), requests fail no allocation, yet wait.
     */
    public boolean overloaded() {
        long oldest = oldestArrival;
        return overloaded || pending.get() >= maxBuffered
                || (oldest != Long.MAX_VALUE && clock.getAsLong() - oldest > maxQueueNanos);
    }

    /** An accepted request and where its answer goes. */
    private static final class Waiting {
        final InferenceRequest request;
        final MonoSink<Dispatched> sink;
        /** The event loop that read the request ({@link EngineLoops#CALLER_LOOP}), where its engine call runs. */
        final @Nullable EventLoop home;
        /** Set by the client's thread; read on the loop. */
        volatile boolean cancelled;
        // the decision handed to the sink, set on the loop before it is handed
        @Nullable DpUnitId prefillUnit;
        @Nullable DpUnitId decodeUnit;
        DecodeLedger.@Nullable Sent decodeSent;
        /** Cached leading blocks of the prompt per prefill unit, where the view holds any; see predictHits. */
        @Nullable Map<DpUnitId, Integer> predictedBlocks;

        Waiting(InferenceRequest request, MonoSink<Dispatched> sink) {
            this.request = request;
            this.sink = sink;
            this.home = sink.contextView().getOrDefault(EngineLoops.CALLER_LOOP, null);
        }
    }

    private void markOldest() {
        oldestArrival = waiting.isEmpty() ? Long.MAX_VALUE : waiting.values().iterator().next().request.arrivalNanos();
    }

    /** Requests accepted and not yet assigned. */
    public int buffered() {
        return pending.get();
    }

    /** The latest snapshot (at most a second old). */
    public LoopSnapshot snapshot() {
        return snapshot;
    }

    /** A fresh snapshot, taken on the loop. */
    public Mono<LoopSnapshot> snapshotNow() {
        return Mono.fromCallable(() -> snapshot = takeSnapshot()).subscribeOn(onLoop);
    }

    /** Decode step times learned from so far (relayed decode streams), read on the loop. */
    public Mono<Long> decodeStepsTimed() {
        return Mono.fromCallable(() -> {
            applyDeferred();
            return cluster.decodeStepCost().observations();
        }).subscribeOn(onLoop);
    }

    /**
     * Switches the active policy by registry name, keeping its other settings. Unknown names are refused
     * with {@link IllegalArgumentException}.
     */
    public Mono<SchedulingPolicy> switchPolicy(String name) {
        if (!registry.contains(name)) {
            return Mono.error(new IllegalArgumentException("unknown policy '" + name + "', known: " + registry.names()));
        }
        return Mono.defer(() -> applyPolicy(cluster.policy().toBuilder().name(name).build()));
    }

    /**
     * Makes {@code next} the active policy at the loop's next task, so before its next tick. Buffered
     * requests move to the new strategies in arrival order; decisions already taken stand.
     */
    public Mono<SchedulingPolicy> applyPolicy(SchedulingPolicy next) {
        return Mono.fromCallable(() -> {
            cluster.policy(next);
            List<InferenceRequest> buffered = prefill.drain();
            List<InferenceRequest> decodeWindow = decode == null ? List.of() : decode.drain();
            prefill = registry.prefill(next.name(), cluster, new SplittableRandom(1));
            decode = decodeStrategy(next.name());
            long now = clock.getAsLong();
            if (decode != null) {
                List<Assignment> placed = new ArrayList<>();
                decodeWindow.forEach(r -> placed.addAll(decode.onArrival(r, now)));
                deliverDecode(placed);
            }
            predictUndecided();
            for (InferenceRequest r : buffered) {
                deliverPrefill(prefill.onArrival(r, now));
            }
            cycle();
            snapshot = takeSnapshot();
            return cluster.policy();
        }).subscribeOn(onLoop);
    }

    /**
     * Registers an instance at the loop's next task; dispatch cycles consider it from then on. The first
     * decode instance turns P/D pairing on. Fails with {@link IllegalArgumentException} when the id is taken.
     */
    public Mono<Void> addInstance(String id, Phase phase, int dpUnits, int chunkTokens, long kvCapacityTokens) {
        return Mono.<Void>fromRunnable(() -> {
            // a prefill instance's prefix-cache view, in the blocks the ingress hashes in (the policy's size)
            cluster.addInstance(id, phase, dpUnits, phase == Phase.PREFILL ? chunkTokens : 1,
                    phase == Phase.DECODE ? kvCapacityTokens : Long.MAX_VALUE, phase == Phase.PREFILL
                            ? PrefixBlocks.viewBlocks(kvCapacityTokens, cluster.policy().cacheBlockTokens()) : 0);
            if (phase == Phase.DECODE && decode == null) {
                decode = decodeStrategy(cluster.policy().name());
            }
            cycle();
            snapshot = takeSnapshot();
        }).subscribeOn(onLoop);
    }

    /**
     * Removes an instance at the loop's next task: no decision goes to it any more, while requests already
     * sent to it run to their end on the engine. Fails with {@link IllegalArgumentException} for an unknown
     * id and {@link IllegalStateException} for the last instance of its phase, which would leave the
     * phase's requests nowhere to go.
     */
    public Mono<Void> removeInstance(String id) {
        return Mono.<Void>fromRunnable(() -> {
            InstanceState inst = cluster.instance(id);
            if (cluster.instances(inst.phase()).size() == 1) {
                throw new IllegalStateException(id + " is the last " + inst.phase() + " instance");
            }
            cluster.removeInstance(id);
            decodeLedger.forget(id, inst.units().size());
            drainingIds.remove(id);
            cycle();
            snapshot = takeSnapshot();
        }).subscribeOn(onLoop);
    }

    /**
     * Drains an instance (no new requests; those it has run to their end) or takes it back, at the loop's
     * next task. A draining instance does not count in {@code N}. Fails with {@link IllegalArgumentException}
     * for an unknown id and {@link IllegalStateException} when every other instance of the phase drains
     * already.
     */
    public Mono<Void> drain(String id, boolean draining) {
        return Mono.<Void>fromRunnable(() -> {
            InstanceState inst = cluster.instance(id);
            if (draining && !inst.draining()
                    && cluster.instances(inst.phase()).stream().filter(i -> !i.draining()).count() == 1) {
                throw new IllegalStateException(id + " is the last " + inst.phase() + " instance taking requests");
            }
            inst.draining(draining);
            if (draining) {
                drainingIds.add(id);
            } else {
                drainingIds.remove(id);
            }
            cycle();
            snapshot = takeSnapshot();
        }).subscribeOn(onLoop);
    }

    /** Ids of the instances draining now. */
    public Set<String> drainingInstances() {
        return Set.copyOf(drainingIds);
    }

    public void onForwardEnded(ForwardEndedEvent event) {
        executor.execute(() -> {
            InstanceState inst = cluster.contains(event.instanceId()) ? cluster.instance(event.instanceId()) : null;
            if (inst != null && inst.phase() == Phase.PREFILL) {
                for (int d = 0; d < event.passTokens().length && d < inst.units().size(); d++) {
                    passTokens += event.passTokens()[d];
                    passCapacity += inst.units().get(d).chunkCapacity();
                }
            }
            cluster.onForwardEnded(event, clock.getAsLong());
            cycle();
        });
    }

    /**
     * EndForward pushed to this node while another leads (it relays the push): the loop's pass model learns
     * from it as the leader's does ({@link ClusterState#observeForwardEnded}), so that, should this node take
     * over, its first dispatches run on the passes measured now (a hot standby). It never decides anything:
     * only requests submitted to the loop are decided, and a standby submits none.
     */
    public void onForwardObserved(ForwardEndedEvent event) {
        executor.execute(() -> {
            cluster.observeForwardEnded(event, clock.getAsLong());
            cycle();
        });
    }

    /**
     * The leader's published {@code T̄_fwd} of {@code phase}, which this loop runs on while it has measured no
     * pass of its own ({@link ClusterState#priorForward}).
     */
    public void priorForward(Phase phase, long meanForwardNanos, boolean fromPushes) {
        executor.execute(() -> {
            cluster.priorForward(phase, meanForwardNanos, fromPushes);
            markForwardSource();
        });
    }

    /**
     * The prefill phase's {@code T̄_fwd} and whether it comes from EndForward pushes
     * ({@link ClusterState#forwardFromPushes}), as of the loop's last task rather than its last snapshot.
     */
    public PassModel passModel() {
        return passModel;
    }

    /** The prefill {@code T̄_fwd} in nanoseconds, and whether EndForward pushes gave it. */
    public record PassModel(long meanForwardNanos, boolean fromPushes) {
    }

    private void markForwardSource() {
        long mean = cluster.meanForwardNanos(Phase.PREFILL);
        boolean pushed = cluster.forwardFromPushes(Phase.PREFILL);
        PassModel last = passModel;
        if (last.meanForwardNanos() != mean || last.fromPushes() != pushed) {
            passModel = new PassModel(mean, pushed);
        }
    }

    public void onLoadPolled(String instanceId, boolean idle, long sampledAt) {
        executor.execute(() -> {
            cluster.onLoadPolled(instanceId, idle, sampledAt, clock.getAsLong());
            cycle();
        });
    }

    /** A prefill instance's polled load, unit by unit: a readiness signal of the instance's estimate. */
    public void onLoadPolled(LoadPolledEvent event) {
        executor.execute(() -> {
            cluster.onLoadPolled(event, clock.getAsLong());
            cycle();
        });
    }

    /**
     * A prefill request's first token came back at {@code observedAt} on this loop's clock (with P/D: the
     * prefill server's answer): the pass that ran its last chunk has ended, a readiness signal that every
     * engine gives. The first tokens of one pass come back together, so they share one cycle. With no request
     * waiting for a decision the cycle only keeps the books (a readiness mark, the watchdog), so it runs as a
     * light task, on the event loop that read the answer when the loop is idle: an immediate policy then takes
     * no thread hop per answer either. With requests waiting it may decide a batch, which is the loop thread's.
     */
    public void onPrefillCompleted(DpUnitId unit, long requestId, int promptTokens, long observedAt) {
        deferred.add(() -> cluster.onPrefillCompleted(unit, requestId, promptTokens, observedAt, clock.getAsLong()));
        if (cycleQueued.compareAndSet(false, true)) {
            Runnable completed = () -> {
                cycleQueued.set(false);
                cycle();
            };
            if (pending.get() == 0) {
                executor.executeLight(completed);
            } else {
                executor.execute(completed);
            }
        }
    }

    /** A prefill request left its unit without a first token (the client went away, or the engine failed). */
    public void onPrefillReleased(DpUnitId unit, long requestId, int promptTokens) {
        deferred.add(() -> cluster.onPrefillReleased(unit, requestId, promptTokens, clock.getAsLong()));
    }

    /**
     * A decode instance's polled load, per DP rank: its running batch and KV tokens at {@code sampledAt}.
     * It goes to the core as a decode step report, as the simulator's engines send them: requests decided
     * at least {@code τ_net} (with its tail) before the sample count as received and leave the in-flight
     * account, so finished requests need no release of their own.
     */
    public void onDecodeLoadPolled(String instanceId, int[] batch, long[] kvTokens, long sampledAt) {
        executor.execute(() -> {
            cluster.onDecodeStepEnded(decodeLedger.acknowledge(instanceId, batch, kvTokens, sampledAt,
                    cluster.dispatchLatencyBoundNanos(Phase.PREFILL)), clock.getAsLong());
            cycle();
        });
    }

    /**
     * A decode stream relayed a token {@code stepNanos} after its previous one: one decode step of
     * {@code instanceId}, which teaches the decode step cost (SBS's decode key) against the units' view.
     */
    public void onDecodeStepTimed(String instanceId, long stepNanos) {
        deferred.add(() -> cluster.onDecodeStepTimed(instanceId, stepNanos));
    }

    /** {@code τ_net} of one request: from its decision to its engine request written to the connection. */
    public void onDispatchLatency(long nanos) {
        deferred.add(() -> cluster.recordDispatchLatency(Phase.PREFILL, nanos));
    }

    /**
     * Applies the bookkeeping signals queued since the last loop task. They wake nothing, so rather than a
     * thread hop each they wait for the loop's next task, which runs them before it decides anything.
     */
    private void applyDeferred() {
        Runnable r;
        while ((r = deferred.poll()) != null) {
            r.run();
        }
    }

    /** The current clock reading, for callers that stamp engine signals. */
    public long now() {
        return clock.getAsLong();
    }

    private void cycle() {
        applyDeferred();
        predictUndecided();
        deliverPrefill(prefill.onTick(clock.getAsLong()));
        reschedule();
        markForwardSource();
    }

    /**
     * Hands out a cycle's prefill decisions. With decode instances, they enter the decode strategy, which
     * then ticks once for them and for whatever its window still holds, so the pairs come from one window.
     */
    private void deliverPrefill(List<Assignment> assignments) {
        long now = clock.getAsLong();
        List<Assignment> decoded = new ArrayList<>(0);
        for (Assignment a : assignments) {
            Waiting w = waiting.get(a.request().id());
            if (w == null) {
                cluster.withdrawDispatch(a, clock.getAsLong());
                continue;
            }
            reportLookup(w, a.unit());
            if (decode == null) {
                complete(a.request(), a.unit(), null, now);
            } else {
                awaitingDecode.put(a.request().id(), a);
                // immediate strategies place on arrival; staggered ones buffer for the tick below
                decoded.addAll(decode.onArrival(a.request(), now));
            }
        }
        if (decode != null && decode.buffered() > 0) {
            decoded.addAll(decode.onTick(now));
        }
        deliverDecode(decoded);
        overloaded = prefill.overloaded();
    }

    private void deliverDecode(List<Assignment> assignments) {
        long now = clock.getAsLong();
        for (Assignment d : assignments) {
            Assignment p = awaitingDecode.remove(d.request().id());
            if (p == null || !waiting.containsKey(d.request().id())) {
                if (p != null) {
                    cluster.withdrawDispatch(p, clock.getAsLong());
                }
                cluster.releaseDecode(d.unit(), d.request().totalTokens());
            } else {
                complete(d.request(), p.unit(), d.unit(), now);
            }
        }
    }

    private void complete(InferenceRequest request, DpUnitId unit, @Nullable DpUnitId decodeUnit, long now) {
        Waiting w = waiting.remove(request.id());
        if (decodeUnit != null) {
            w.decodeSent = decodeLedger.sent(decodeUnit, now, request.totalTokens());
        }
        w.prefillUnit = unit;
        w.decodeUnit = decodeUnit;
        pending.decrementAndGet();
        markOldest();
        Dispatched decision = new Dispatched(request, unit, decodeUnit, now);
        EventLoop home = w.home;
        if (home == null || home.inEventLoop()) {
            w.sink.success(decision);
        } else {
            // the engine call starts where its request was read, over that loop's connections: decided
            // elsewhere (a batch at the tick, another loop's arrivals), its setup would run here, one request
            // after another on the loop's one thread, and its write would cross to the connection's loop anyway.
            // A cancel before it lands finds the decision recorded above and gives the units back (withdraw)
            home.execute(() -> w.sink.success(decision));
        }
    }

    private void reschedule() {
        if (executor.isClosed()) {
            return; // closed while a task was queued
        }
        long now = clock.getAsLong();
        long next = prefill.nextTickAt(now);
        if (decode != null && decode.buffered() > 0) {
            next = Math.min(next, decode.nextTickAt(now));
        }
        if (next == Long.MAX_VALUE || (next >= tickAt && !tick.isDisposed())) {
            return;
        }
        tick.dispose();
        tickAt = next;
        long generation = ++tickGeneration;
        tick = executor.schedule(() -> {
            // a tick replaced after its timer fired, but before its task ran, must not run a cycle early
            if (generation == tickGeneration) {
                tickAt = Long.MAX_VALUE;
                cycle();
            }
        }, Math.max(0, next - now));
    }

    private LoopSnapshot takeSnapshot() {
        applyDeferred();
        List<LoopSnapshot.UnitView> units = new ArrayList<>();
        for (Phase phase : Phase.values()) {
            for (InstanceState i : cluster.instances(phase)) {
                for (DpUnitState u : i.units()) {
                    units.add(new LoopSnapshot.UnitView(i.id(), u.id().dpRank(), phase, i.suspect(),
                            u.availableCapacity(), u.outstandingTokens(), u.batchSize(), u.kvTokens(),
                            u.inflightTokens(), u.deviceBacklogTokens(), prefixTotals.getOrDefault(u.id(), NO_LOOKUPS)[0],
                            prefixTotals.getOrDefault(u.id(), NO_LOOKUPS)[1]));
                }
            }
        }
        List<LoopSnapshot.InstanceView> instances = new ArrayList<>();
        for (Phase phase : Phase.values()) {
            for (InstanceState i : cluster.instances(phase)) {
                Map<String, Long> readiness = new LinkedHashMap<>();
                if (phase == Phase.PREFILL) {
                    for (ReadinessSource source : ReadinessSource.values()) {
                        readiness.put(source.tag(), i.readinessDecisions(source));
                    }
                }
                instances.add(new LoopSnapshot.InstanceView(i.id(), phase, i.suspect(), i.draining(), readiness));
            }
        }
        double utilization = passCapacity == 0 ? Double.NaN : (double) passTokens / passCapacity;
        passTokens = 0;
        passCapacity = 0;
        return new LoopSnapshot(cluster.policy().name(), cluster.policy(), clock.getAsLong(), pending.get(), overloaded,
                phaseView(Phase.PREFILL), decode == null ? null : phaseView(Phase.DECODE), List.copyOf(units),
                utilization, instances);
    }

    private LoopSnapshot.PhaseView phaseView(Phase phase) {
        long fires = 0;
        for (InstanceState i : cluster.instances(phase)) {
            fires += i.watchdogFires();
        }
        return new LoopSnapshot.PhaseView(cluster.intervalNanos(phase), cluster.meanForwardNanos(phase),
                cluster.dispatchLatencyNanos(phase), cluster.healthyInstances(phase),
                cluster.instances(phase).size(), fires, cluster.interval(phase).forwardSamples(),
                cluster.interval(phase).pushedForwardSamples(), cluster.forwardFromPushes(phase));
    }

    @Override
    public void close() {
        snapshots.dispose();
        executor.close();
    }
}
