package io.sbs.sim;

import io.sbs.core.Assignment;
import io.sbs.core.ClusterState;
import io.sbs.core.DecodeStepEndedEvent;
import io.sbs.core.DpUnitId;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.InferenceRequest;
import io.sbs.core.LoadPolledEvent;
import io.sbs.core.OutputLengthEstimator;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.Phase;
import io.sbs.core.PhaseDispatch;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.ReadinessSource;
import io.sbs.core.SchedulingPolicy;
import io.sbs.core.UnitLoad;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

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
 * {@code signalLatency} later, unless the engines behave as stock ones ({@link Signals#STOCK}). Each
 * first token also reaches the dispatcher {@code signalLatency} after its pass, as in the live service. The
 * dispatcher also polls each instance's load (running and waiting requests and queued tokens per unit)
 * every {@code pollInterval}. TTFT is counted from arrival at the dispatcher to the first token's return
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
     * @param signals          whether the engines push EndForward ({@link Signals#PUSH}) or behave as stock
     *                         engines do ({@link Signals#STOCK})
     * @param coupling         with a decode side, each request is decoded after its prefill (coupled P/D);
     *                         null for prefill alone
     */
    public record Config(EngineProfile profile, SchedulingPolicy policy, List<WorkloadRequest> workload, long seed,
            long warmupNanos, long pollIntervalNanos, long drainNanos, long giveUpNanos, List<Fault> faults,
            Signals signals, @Nullable Coupling coupling) {

        public Config {
            workload = List.copyOf(workload);
            faults = List.copyOf(faults);
        }

        public Config(EngineProfile profile, SchedulingPolicy policy, List<WorkloadRequest> workload, long seed,
                long warmupNanos, long pollIntervalNanos, long drainNanos, long giveUpNanos, List<Fault> faults,
                Signals signals) {
            this(profile, policy, workload, seed, warmupNanos, pollIntervalNanos, drainNanos, giveUpNanos, faults,
                    signals, null);
        }

        public Config with(Coupling c) {
            return new Config(profile, policy, workload, seed, warmupNanos, pollIntervalNanos, drainNanos, giveUpNanos,
                    faults, signals, c);
        }

        public Config(EngineProfile profile, SchedulingPolicy policy, List<WorkloadRequest> workload, long seed,
                long warmupNanos, long pollIntervalNanos, long drainNanos, long giveUpNanos, List<Fault> faults) {
            this(profile, policy, workload, seed, warmupNanos, pollIntervalNanos, drainNanos, giveUpNanos, faults,
                    Signals.PUSH);
        }

        public Config(EngineProfile profile, SchedulingPolicy policy, List<WorkloadRequest> workload, long seed) {
            this(profile, policy, workload, seed, 0, 100_000_000L, 60_000_000_000L, Long.MAX_VALUE, List.of());
        }
    }

    /**
     * The decode side of a coupled P/D run: the profile's decode instances (as many as {@code decodeInstances}),
     * the policy's decode strategy choosing each request's decode unit in the window that chose its prefill
     * unit (as the live dispatch loop pairs them), the KV handed over after the prefill, then decoded to its
     * true length.
     *
     * @param knowledge what the dispatcher counts for output lengths (never the oracle unless a benchmark
     *                  says it measures one)
     */
    public record Coupling(int decodeInstances, OutputLengthKnowledge knowledge) {
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
    private final int[] cachedTokens;
    private final Stats.Sample chunkUtil = new Stats.Sample();
    private final Stats.Sample passMillis = new Stats.Sample();
    // coupled P/D only
    private final @Nullable SimulatedDispatcher decodeDispatcher;
    private final List<DecodeInstance> decodeInstances = new ArrayList<>();
    private final @Nullable OutputLengthEstimator estimator;
    private final long[] prefillEndAt;
    private final long[] decodeDecidedAt;
    private final int[] decodeInstance;
    private final int[] decodeRank;
    private final long[] expectedKv;
    private final Stats.Sample tpotMs = new Stats.Sample();
    private final Stats.Sample decodeQueueMs = new Stats.Sample();
    private final long kvTransfer;
    private int decoded;
    private int prefilled;

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
        Coupling coupling = config.coupling();
        this.kvTransfer = Math.round(config.profile().network().kvTransferMs() * MS);
        this.prefillEndAt = new long[coupling == null ? 0 : n];
        this.decodeDecidedAt = new long[coupling == null ? 0 : n];
        this.decodeInstance = new int[coupling == null ? 0 : n];
        this.decodeRank = new int[coupling == null ? 0 : n];
        this.expectedKv = new long[coupling == null ? 0 : n];
        Arrays.fill(prefillEndAt, -1);
        Arrays.fill(decodeDecidedAt, -1);
        if (coupling == null) {
            this.decodeDispatcher = null;
            this.estimator = null;
        } else {
            EngineProfile.Decode d = config.profile().decode();
            SplittableRandom decodeJitter = new SplittableRandom(config.seed() * 17 + 3);
            decodeInstances.addAll(DecodeInstance.start(cluster, d, coupling.decodeInstances(), events, decodeJitter,
                    new DecodeInstance.Listener() {
                        @Override
                        public void stepEnded(long durationNanos, long tokens, DecodeStepEndedEvent report) {
                            events.schedule(events.now() + signalLatency, () -> {
                                cluster.onDecodeStepEnded(report, events.now());
                                cluster.onDecodeStepTimed(report.instanceId(), durationNanos);
                                decodeDispatcher.signalled();
                            });
                        }

                        @Override
                        public void finished(InferenceRequest request, DpUnitId unit, long startedAt) {
                            decodeFinished(request, unit, startedAt);
                        }
                    }));
            this.decodeDispatcher = new SimulatedDispatcher(events, PolicyRegistry.standard().decode(
                    config.policy().name(), cluster, new SplittableRandom(config.seed() * 37 + 11)), this::sendDecode);
            this.estimator = coupling.knowledge() == OutputLengthKnowledge.ORACLE ? null
                    : new OutputLengthEstimator(coupling.knowledge());
        }
        arrivalAt = new long[n];
        dispatchedAt = new long[n];
        reachedAt = new long[n];
        firstPassAt = new long[n];
        firstTokenAt = new long[n];
        lost = new boolean[n];
        unitRank = new int[n];
        cachedTokens = new int[n];
        Arrays.fill(firstTokenAt, -1);
        Arrays.fill(firstPassAt, -1);
        Arrays.fill(reachedAt, -1);
    }

    /** Runs the configured workload to completion (or the drain limit) and measures it. */
    public static PrefillResult run(Config config) {
        return run(config, () -> false);
    }

    /**
     * As {@link #run(Config)}, but gives up as soon as {@code abandon} says so (it is asked every thousand
     * events or so): the result then measures the part simulated, and only the caller, which knows why it
     * abandoned the run, can tell.
     */
    public static PrefillResult run(Config config, BooleanSupplier abandon) {
        return new PrefillSimulation(config).execute(abandon);
    }

    private PrefillResult execute(BooleanSupplier abandon) {
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
        while (!events.isEmpty() && events.now() <= stopAt && (done < w.size() || decodesLeft())) {
            if (!events.runUntil(Math.min(stopAt, events.now() + 1_000 * MS), abandon)) {
                break;
            }
            while (oldest < w.size() && (firstTokenAt[oldest] >= 0 || lost[oldest])) {
                oldest++;
            }
            if (oldest < w.size() && w.get(oldest).arrivalNanos() <= events.now()
                    && events.now() - w.get(oldest).arrivalNanos() > config.giveUpNanos()) {
                saturated = true;
                break;
            }
            // The clock never passes stopAt, so once there nothing more can happen: without this the loop
            // spun for ever when the oldest unfinished request arrived exactly drainNanos before the stop
            // (a workload replayed so fast that it all arrives at once, with drain equal to give-up).
            if (events.now() >= stopAt) {
                break;
            }
        }
        return measure(stopAt);
    }

    /** Coupled P/D: requests whose first token came and whose decode has not finished. */
    private boolean decodesLeft() {
        return decodeDispatcher != null && decoded < prefilled;
    }

    private int done;
    private boolean saturated;

    private void arrive(int i) {
        long now = events.now();
        WorkloadRequest wr = config.workload().get(i);
        arrivalAt[i] = now;
        int output = wr.outputTokens();
        if (estimator != null) {
            // the simulated clients set no max_tokens: the dispatcher counts the default, or its prediction
            output = estimator.expected(DecodeSimulation.MODEL, wr.promptTokens(), InferenceRequest.DEFAULT_OUTPUT_TOKENS, false);
        }
        InferenceRequest r = new InferenceRequest(i, wr.promptTokens(), output, now, wr.blockHashes());
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
        if (decodeDispatcher != null && !assignments.isEmpty()) {
            // as the live dispatch loop: a cycle's prefill decisions enter the decode strategy together
            for (Assignment a : assignments) {
                decodeDispatcher.arrive(a.request());
            }
            decodeDispatcher.signalled();
        }
    }

    private void sendDecode(List<Assignment> assignments) {
        long now = events.now();
        for (Assignment a : assignments) {
            int i = (int) a.request().id();
            cluster.recordDispatchLatency(Phase.DECODE, dispatchLatency);
            decodeDecidedAt[i] = now;
            decodeInstance[i] = DecodeInstance.indexOf(a.unit().instanceId());
            decodeRank[i] = a.unit().dpRank();
            expectedKv[i] = a.request().totalTokens();
            handOver(i);
        }
    }

    /**
     * Once request {@code i} has both its prefill done and its decode unit chosen, its KV moves: the decode
     * server got the request {@code dispatchLatency} after the decision and pulls the KV when the prefill
     * ends, which takes {@code kvTransfer}.
     */
    private void handOver(int i) {
        if (prefillEndAt[i] < 0 || decodeDecidedAt[i] < 0) {
            return;
        }
        long at = Math.max(prefillEndAt[i], decodeDecidedAt[i] + dispatchLatency) + kvTransfer;
        WorkloadRequest wr = config.workload().get(i);
        InferenceRequest truth = new InferenceRequest(i, wr.promptTokens(), wr.outputTokens(), at);
        DecodeInstance inst = decodeInstances.get(decodeInstance[i]);
        int rank = decodeRank[i];
        long expected = expectedKv[i];
        events.schedule(at, () -> inst.receive(truth, rank, expected));
    }

    private void decodeFinished(InferenceRequest truth, DpUnitId unit, long startedAt) {
        long now = events.now();
        int i = (int) truth.id();
        decoded++;
        if (config.workload().get(i).arrivalNanos() >= config.warmupNanos()) {
            tpotMs.add((now - startedAt) / (double) MS / truth.outputTokens());
            decodeQueueMs.add((startedAt - truth.arrivalNanos()) / (double) MS);
        }
        events.schedule(now + signalLatency, () -> {
            cluster.onDecodeCompleted(unit);
            if (estimator != null) {
                estimator.finished(DecodeSimulation.MODEL, truth.promptTokens(), truth.outputTokens());
            }
            decodeDispatcher.signalled();
        });
    }

    private void poll(Instance inst) {
        long sampledAt = events.now();
        if (!inst.mute(sampledAt)) {
            long[][] load = inst.engine.load();
            UnitLoad[] units = new UnitLoad[load.length];
            for (int d = 0; d < load.length; d++) {
                units[d] = new UnitLoad((int) load[d][0], (int) load[d][1], load[d][2]);
            }
            LoadPolledEvent e = new LoadPolledEvent(inst.id, sampledAt, config.pollIntervalNanos(), units);
            events.schedule(sampledAt + signalLatency, () -> {
                cluster.onLoadPolled(e, events.now());
                dispatcher.signalled();
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

    private final class Instance {
        final int index;
        final String id;
        final PrefillEngineModel engine = new PrefillEngineModel(shape);
        boolean starting;

        Instance(int index, String id) {
            this.index = index;
            this.id = id;
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
            return engine.idle();
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
            cachedTokens[request] = engine.receive(request, wr.promptTokens(), wr.blockHashes(), rank);
            if (!engine.busy() && !starting) {
                // The engine's loop picks up everything that reached it in the same instant (one batch sent
                // together), so the pass starts after the other deliveries of this instant.
                starting = true;
                events.schedule(now, () -> {
                    starting = false;
                    if (!engine.busy()) {
                        startPass();
                    }
                });
            }
        }

        /** Starts a pass if anything is queued; returns the tokens each unit took (all zero when none). */
        long[] startPass() {
            long now = events.now();
            Fault f = activeFault(index, now);
            double slowdown = f != null && f.kind() == Fault.Kind.SLOWDOWN ? f.factor() : 1;
            PrefillEngineModel.Pass pass = engine.startPass(jitter, slowdown);
            if (pass == null) {
                return new long[shape.dpUnits()];
            }
            for (long r : pass.starting()) {
                if (firstPassAt[(int) r] < 0) {
                    firstPassAt[(int) r] = now;
                }
            }
            events.schedule(now + pass.durationNanos(), () -> endPass(pass));
            return pass.tokens();
        }

        void endPass(PrefillEngineModel.Pass pass) {
            long now = events.now();
            engine.passEnded();
            if (dead(now)) {
                for (long r : pass.finishing()) {
                    lost[(int) r] = true;
                    done++;
                }
                for (long r : engine.clear()) {
                    lost[(int) r] = true;
                    done++;
                }
                return;
            }
            if (now >= config.warmupNanos()) {
                chunkUtil.add((double) pass.totalTokens() / ((long) unitChunk * shape.dpUnits()));
                passMillis.add(pass.durationNanos() / (double) MS);
            }
            for (long r : pass.finishing()) {
                int i = (int) r;
                firstTokenAt[i] = now + signalLatency;
                done++;
                if (decodeDispatcher != null) {
                    prefilled++;
                    prefillEndAt[i] = now;
                    handOver(i);
                }
                DpUnitId unit = new DpUnitId(id, unitRank[i]);
                int prompt = config.workload().get(i).promptTokens();
                events.schedule(now + signalLatency, () -> {
                    cluster.onPrefillCompleted(unit, i, prompt, events.now(), events.now());
                    dispatcher.signalled();
                });
            }
            long[] receivedNow = engine.takeReceived();
            long[] next = startPass();
            long[] backlog = engine.backlog();
            if (mute(now) || config.signals() == Signals.STOCK) {
                return;
            }
            ForwardEndedEvent e = new ForwardEndedEvent(id, now, pass.durationNanos(), pass.tokens(), receivedNow,
                    next, backlog);
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
        long completedTokens = 0;
        long lastFirstToken = 0;
        long receivedTokens = 0;
        long cachedTotal = 0;
        long end = events.now();
        for (int i = 0; i < arrivalAt.length; i++) {
            WorkloadRequest wr = config.workload().get(i);
            if (wr.arrivalNanos() < config.warmupNanos() || (saturated && wr.arrivalNanos() > end)) {
                continue;
            }
            if (reachedAt[i] >= 0) {
                receivedTokens += wr.promptTokens();
                cachedTotal += cachedTokens[i];
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
            completedTokens += wr.promptTokens();
            lastFirstToken = Math.max(lastFirstToken, firstTokenAt[i]);
            ttft.add((firstTokenAt[i] - arrivalAt[i]) / 1e9);
            schedQueue.add((dispatchedAt[i] - arrivalAt[i]) / 1e9);
            deviceQueue.add((firstPassAt[i] - reachedAt[i]) / 1e9);
        }
        long watchdogFires = 0;
        Map<ReadinessSource, Long> readiness = new EnumMap<>(ReadinessSource.class);
        for (String id : byId.keySet()) {
            watchdogFires += cluster.instance(id).watchdogFires();
            for (ReadinessSource source : ReadinessSource.values()) {
                readiness.merge(source, cluster.instance(id).readinessDecisions(source), Long::sum);
            }
        }
        return new PrefillResult(config.policy().name(), saturated, completed, unfinished, lostCount, ttft.stats(),
                schedQueue.stats(), deviceQueue.stats(), chunkUtil.mean(), passMillis.stats(), watchdogFires,
                dispatcher.overloadedTicks(), dispatcher.maxBuffered(), events.processed(), completedTokens,
                lastFirstToken, readiness, tpotMs.stats(), decodeQueueMs.stats(), receivedTokens, cachedTotal);
    }
}
