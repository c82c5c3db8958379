package io.sbs.sim;

import io.sbs.core.Assignment;
import io.sbs.core.ClusterState;
import io.sbs.core.DpUnitId;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.InferenceRequest;
import io.sbs.core.Phase;
import io.sbs.core.PhaseDispatch;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Simulates the prefill side of the cluster: clients, the dispatcher (the core's {@link PhaseDispatch}
 * for the policy under test) and gated, non-preemptive prefill instances.
 *
 * <p>Model (SPEC.md section 4, docs/simulator.md): a request reaches its DP unit's device queue
 * {@code dispatchLatency} after the dispatcher sends it. An idle instance starts a forward pass as soon
 * as any unit has queued tokens; a pass takes up to {@code C_max} tokens from the head of each unit's
 * queue (a long prompt is chunked across passes) and lasts
 * {@code t0 + max_d(bMax·tokens_d + attention_d) + bSum·Σ tokens_d}, jittered; arrivals during a pass
 * wait for the next one. When a pass ends, the requests whose last chunk it ran have their first token,
 * the next pass starts at once if anything is queued, and EndForward reaches the dispatcher
 * {@code signalLatency} later. The dispatcher also polls each instance's load every
 * {@code pollInterval}. TTFT is counted from arrival at the dispatcher to the first token's return
 * ({@code signalLatency} after its pass ended).
 */
public final class PrefillSimulation {

    /**
     * @param warmupNanos      requests arriving before this are simulated but not measured
     * @param pollIntervalNanos quiescence polling period per instance
     * @param drainNanos       how long after the last arrival the run continues before it stops and
     *                         counts the unfinished requests as late as the stop
     * @param giveUpNanos      the run stops early, marked saturated, once a request has waited this long
     *                         without its first token (a search for the highest load under an SLO needs
     *                         no more than that)
     */
    public record Config(EngineProfile profile, SchedulingPolicy policy, List<WorkloadRequest> workload, long seed,
            long warmupNanos, long pollIntervalNanos, long drainNanos, long giveUpNanos, List<Fault> faults) {

        public Config {
            workload = List.copyOf(workload);
            faults = List.copyOf(faults);
        }

        public Config(EngineProfile profile, SchedulingPolicy policy, List<WorkloadRequest> workload, long seed) {
            this(profile, policy, workload, seed, 0, 100_000_000L, 60_000_000_000L, Long.MAX_VALUE, List.of());
        }
    }

    private static final long MS = 1_000_000L;

    private final Config config;
    private final EngineProfile.Prefill shape;
    private final EventQueue events = new EventQueue();
    private final SplittableRandom jitter;
    private final ClusterState cluster;
    private final SimulatedDispatcher dispatcher;
    private final List<Instance> instances = new ArrayList<>();
    private final Map<String, Instance> byId = new LinkedHashMap<>();
    private final long dispatchLatency;
    private final long signalLatency;
    private final int unitChunk;

    private final long[] arrivalAt;
    private final long[] dispatchedAt;
    private final long[] reachedAt;
    private final long[] firstPassAt;
    private final long[] firstTokenAt;
    private final boolean[] lost;
    private final int[] unitRank;
    private final Stats.Sample chunkUtil = new Stats.Sample();
    private final Stats.Sample passMillis = new Stats.Sample();

    private PrefillSimulation(Config config) {
        this.config = config;
        this.shape = config.profile().prefill();
        this.jitter = new SplittableRandom(config.seed());
        this.cluster = new ClusterState(config.policy());
        this.dispatchLatency = Math.round(config.profile().network().dispatchLatencyMs() * MS);
        this.signalLatency = Math.round(config.profile().network().signalLatencyMs() * MS);
        this.unitChunk = shape.unitChunkTokens();
        for (int i = 0; i < shape.instances(); i++) {
            String id = "prefill-" + i;
            cluster.addInstance(id, Phase.PREFILL, shape.dpUnits(), unitChunk, Long.MAX_VALUE,
                    shape.cacheBlocksPerUnit());
            Instance inst = new Instance(i, id);
            instances.add(inst);
            byId.put(id, inst);
        }
        PhaseDispatch dispatch = PolicyRegistry.standard().prefill(config.policy().name(), cluster,
                new SplittableRandom(config.seed() * 31 + 7));
        this.dispatcher = new SimulatedDispatcher(events, dispatch, this::send);
        int n = config.workload().size();
        arrivalAt = new long[n];
        dispatchedAt = new long[n];
        reachedAt = new long[n];
        firstPassAt = new long[n];
        firstTokenAt = new long[n];
        lost = new boolean[n];
        unitRank = new int[n];
        Arrays.fill(firstTokenAt, -1);
        Arrays.fill(firstPassAt, -1);
    }

    /** Runs the configured workload to completion (or the drain limit) and measures it. */
    public static PrefillResult run(Config config) {
        return new PrefillSimulation(config).execute();
    }

    private PrefillResult execute() {
        List<WorkloadRequest> w = config.workload();
        if (!w.isEmpty()) {
            events.schedule(w.get(0).arrivalNanos(), () -> arrive(0));
        }
        for (Instance inst : instances) {
            events.schedule(config.pollIntervalNanos() * (inst.index + 1) / instances.size(), () -> poll(inst));
        }
        long lastArrival = w.isEmpty() ? 0 : w.get(w.size() - 1).arrivalNanos();
        long stopAt = lastArrival + config.drainNanos();
        done = 0;
        int oldest = 0;
        while (!events.isEmpty() && events.now() <= stopAt && done < w.size()) {
            events.runUntil(Math.min(stopAt, events.now() + 1_000 * MS));
            while (oldest < w.size() && (firstTokenAt[oldest] >= 0 || lost[oldest])) {
                oldest++;
            }
            if (oldest < w.size() && w.get(oldest).arrivalNanos() <= events.now()
                    && events.now() - w.get(oldest).arrivalNanos() > config.giveUpNanos()) {
                saturated = true;
                break;
            }
        }
        return measure(stopAt);
    }

    private int done;
    private boolean saturated;

    private void arrive(int i) {
        long now = events.now();
        WorkloadRequest wr = config.workload().get(i);
        arrivalAt[i] = now;
        InferenceRequest r = new InferenceRequest(i, wr.promptTokens(), wr.outputTokens(), now, wr.blockHashes());
        dispatcher.arrive(r);
        if (i + 1 < config.workload().size()) {
            events.schedule(config.workload().get(i + 1).arrivalNanos(), () -> arrive(i + 1));
        }
    }

    private void send(List<Assignment> assignments) {
        long now = events.now();
        for (Assignment a : assignments) {
            int i = (int) a.request().id();
            dispatchedAt[i] = now;
            cluster.recordDispatchLatency(Phase.PREFILL, dispatchLatency);
            Instance inst = byId.get(a.unit().instanceId());
            int rank = a.unit().dpRank();
            unitRank[i] = rank;
            events.schedule(now + dispatchLatency, () -> inst.receive(i, rank));
        }
    }

    private void poll(Instance inst) {
        long sampledAt = events.now();
        if (!inst.mute(sampledAt)) {
            boolean idle = inst.idle();
            events.schedule(sampledAt + signalLatency, () -> {
                cluster.onLoadPolled(inst.id, idle, sampledAt, events.now());
                if (idle) {
                    dispatcher.signalled();
                }
            });
        }
        if (done < config.workload().size()) {
            events.schedule(sampledAt + config.pollIntervalNanos(), () -> poll(inst));
        }
    }

    private Fault activeFault(int instanceIndex, long t) {
        for (Fault f : config.faults()) {
            if (f.instanceIndex() == instanceIndex && f.activeAt(t)) {
                return f;
            }
        }
        return null;
    }

    /** Work of one request on one unit's device queue. */
    private static final class Item {
        final int request;
        int remaining;
        int done;

        Item(int request, int remaining) {
            this.request = request;
            this.remaining = remaining;
        }
    }

    private final class Instance {
        final int index;
        final String id;
        final List<ArrayDeque<Item>> queues = new ArrayList<>();
        final List<LinkedHashMap<Long, Boolean>> caches = new ArrayList<>();
        final long[] received;
        boolean busy;
        boolean starting;

        Instance(int index, String id) {
            this.index = index;
            this.id = id;
            this.received = new long[shape.dpUnits()];
            for (int d = 0; d < shape.dpUnits(); d++) {
                queues.add(new ArrayDeque<>());
                int limit = shape.cacheBlocksPerUnit();
                caches.add(new LinkedHashMap<>(16, 0.75f, true) {
                    private static final long serialVersionUID = 1L;

                    @Override
                    protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                        return size() > limit;
                    }
                });
            }
        }

        boolean dead(long t) {
            Fault f = activeFault(index, t);
            return f != null && f.kind() == Fault.Kind.DEATH;
        }

        boolean mute(long t) {
            Fault f = activeFault(index, t);
            return f != null && (f.kind() == Fault.Kind.SILENCE || f.kind() == Fault.Kind.DEATH);
        }

        boolean idle() {
            if (busy) {
                return false;
            }
            for (ArrayDeque<Item> q : queues) {
                if (!q.isEmpty()) {
                    return false;
                }
            }
            return true;
        }

        void receive(int request, int rank) {
            long now = events.now();
            if (dead(now)) {
                lost[request] = true;
                done++;
                return;
            }
            WorkloadRequest wr = config.workload().get(request);
            reachedAt[request] = now;
            int tokens = wr.promptTokens();
            if (shape.cacheBlocksPerUnit() > 0 && wr.blockHashes().length > 0) {
                LinkedHashMap<Long, Boolean> cache = caches.get(rank);
                int hit = 0;
                for (long h : wr.blockHashes()) {
                    if (cache.get(h) == null) {
                        break;
                    }
                    hit++;
                }
                tokens = Math.max(1, tokens - Math.min(tokens - 1, hit * shape.cacheBlockTokens()));
                for (long h : wr.blockHashes()) {
                    cache.put(h, Boolean.TRUE);
                }
            }
            queues.get(rank).add(new Item(request, tokens));
            received[rank] += wr.promptTokens();
            if (!busy && !starting) {
                // The engine's loop picks up everything that reached it in the same instant (one batch sent
                // together), so the pass starts after the other deliveries of this instant.
                starting = true;
                events.schedule(now, () -> {
                    starting = false;
                    if (!busy) {
                        startPass();
                    }
                });
            }
        }

        /** Starts a pass if anything is queued; returns the tokens each unit took. */
        long[] startPass() {
            long now = events.now();
            int units = shape.dpUnits();
            long[] tokens = new long[units];
            List<Item> finishing = new ArrayList<>();
            double straggler = 0;
            long sum = 0;
            for (int d = 0; d < units; d++) {
                ArrayDeque<Item> q = queues.get(d);
                int budget = unitChunk;
                double attention = 0;
                while (budget > 0 && !q.isEmpty()) {
                    Item it = q.peek();
                    int t = Math.min(it.remaining, budget);
                    if (it.done == 0 && firstPassAt[it.request] < 0) {
                        firstPassAt[it.request] = now;
                    }
                    attention += (double) t * (it.done + t);
                    it.remaining -= t;
                    it.done += t;
                    budget -= t;
                    if (it.remaining == 0) {
                        q.poll();
                        finishing.add(it);
                    }
                }
                tokens[d] = unitChunk - budget;
                sum += tokens[d];
                straggler = Math.max(straggler,
                        shape.bMaxMsPerToken() * tokens[d] + shape.attentionMsPerMTokenSq() * attention / 1e6);
            }
            if (sum == 0) {
                busy = false;
                return tokens;
            }
            double ms = shape.t0Ms() + straggler + shape.bSumMsPerToken() * sum;
            ms *= 1 + shape.jitterFraction() * (2 * jitter.nextDouble() - 1);
            Fault f = activeFault(index, now);
            if (f != null && f.kind() == Fault.Kind.SLOWDOWN) {
                ms *= f.factor();
            }
            long duration = Math.max(1, Math.round(ms * MS));
            busy = true;
            long s = sum;
            events.schedule(now + duration, () -> endPass(duration, tokens, s, finishing));
            return tokens;
        }

        void endPass(long duration, long[] tokens, long sum, List<Item> finishing) {
            long now = events.now();
            if (dead(now)) {
                for (Item it : finishing) {
                    lost[it.request] = true;
                    done++;
                }
                for (ArrayDeque<Item> q : queues) {
                    for (Item it : q) {
                        lost[it.request] = true;
                        done++;
                    }
                    q.clear();
                }
                busy = false;
                return;
            }
            if (now >= config.warmupNanos()) {
                chunkUtil.add((double) sum / ((long) unitChunk * shape.dpUnits()));
                passMillis.add(duration / (double) MS);
            }
            for (Item it : finishing) {
                int i = it.request;
                firstTokenAt[i] = now + signalLatency;
                done++;
                DpUnitId unit = new DpUnitId(id, unitRank[i]);
                int prompt = config.workload().get(i).promptTokens();
                events.schedule(now + signalLatency, () -> cluster.onPrefillCompleted(unit, prompt));
            }
            long[] receivedNow = received.clone();
            Arrays.fill(received, 0);
            long[] next = startPass();
            long[] backlog = new long[shape.dpUnits()];
            for (int d = 0; d < backlog.length; d++) {
                for (Item it : queues.get(d)) {
                    backlog[d] += it.remaining;
                }
            }
            if (mute(now)) {
                return;
            }
            ForwardEndedEvent e = new ForwardEndedEvent(id, now, duration, tokens, receivedNow, next, backlog);
            events.schedule(now + signalLatency, () -> {
                cluster.onForwardEnded(e, events.now());
                dispatcher.signalled();
            });
        }
    }

    private PrefillResult measure(long stopAt) {
        Stats.Sample ttft = new Stats.Sample();
        Stats.Sample schedQueue = new Stats.Sample();
        Stats.Sample deviceQueue = new Stats.Sample();
        int completed = 0;
        int unfinished = 0;
        int lostCount = 0;
        long end = events.now();
        for (int i = 0; i < arrivalAt.length; i++) {
            WorkloadRequest wr = config.workload().get(i);
            if (wr.arrivalNanos() < config.warmupNanos() || (saturated && wr.arrivalNanos() > end)) {
                continue;
            }
            if (lost[i]) {
                lostCount++;
                continue;
            }
            if (firstTokenAt[i] < 0) {
                unfinished++;
                ttft.add(((saturated ? end : Math.max(end, stopAt)) - wr.arrivalNanos()) / 1e9);
                continue;
            }
            completed++;
            ttft.add((firstTokenAt[i] - arrivalAt[i]) / 1e9);
            schedQueue.add((dispatchedAt[i] - arrivalAt[i]) / 1e9);
            deviceQueue.add((firstPassAt[i] - reachedAt[i]) / 1e9);
        }
        long watchdogFires = 0;
        for (String id : byId.keySet()) {
            watchdogFires += cluster.instance(id).watchdogFires();
        }
        return new PrefillResult(config.policy().name(), saturated, completed, unfinished, lostCount, ttft.stats(),
                schedQueue.stats(), deviceQueue.stats(), chunkUtil.mean(), passMillis.stats(), watchdogFires,
                dispatcher.overloadedTicks(), dispatcher.maxBuffered(), events.processed());
    }
}
