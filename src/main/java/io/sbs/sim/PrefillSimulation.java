package io.sbs.sim;

import io.sbs.core.Assignment;
import io.sbs.core.ClusterState;
import io.sbs.core.DpUnitId;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.InferenceRequest;
import io.sbs.core.LoadPolledEvent;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.Phase;
import io.sbs.core.PhaseDispatch;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.core.UnitLoad;
import java.util.ArrayList;
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
 *
 * <p>This class drives the clients and the dispatcher; the instances are {@link PrefillInstance}s, what is
 * measured is kept by {@link PrefillRecords}, and a coupled run's decode side is {@link CoupledDecode}.
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
    private final EventQueue events = new EventQueue();
    private final ClusterState cluster;
    private final SimulatedDispatcher dispatcher;
    private final List<PrefillInstance> instances = new ArrayList<>();
    private final Map<String, PrefillInstance> byId = new LinkedHashMap<>();
    private final long dispatchLatency;
    private final long signalLatency;
    private final PrefillRecords records;
    /** Coupled P/D only. */
    private final @Nullable CoupledDecode decode;
    private boolean saturated;

    private PrefillSimulation(Config config) {
        this.config = config;
        EngineProfile.Prefill shape = config.profile().prefill();
        SplittableRandom jitter = new SplittableRandom(config.seed());
        this.cluster = new ClusterState(config.policy());
        this.dispatchLatency = Math.round(config.profile().network().dispatchLatencyMs() * MS);
        this.signalLatency = Math.round(config.profile().network().signalLatencyMs() * MS);
        this.records = new PrefillRecords(config.workload(), config.warmupNanos());
        PrefillInstance.Listener signals = new PrefillInstance.Listener() {
            @Override
            public void prefilled(int request, String instanceId) {
                firstToken(request, instanceId);
            }

            @Override
            public void forwardEnded(ForwardEndedEvent e) {
                events.schedule(events.now() + signalLatency, () -> {
                    cluster.onForwardEnded(e, events.now());
                    dispatcher.signalled();
                });
            }
        };
        for (int i = 0; i < shape.instances(); i++) {
            String id = "prefill-" + i;
            cluster.addInstance(id, Phase.PREFILL, shape.dpUnits(), shape.unitChunkTokens(), Long.MAX_VALUE,
                    shape.cacheBlocksPerUnit());
            PrefillInstance inst = new PrefillInstance(i, id, config, events, jitter, records, signals);
            instances.add(inst);
            byId.put(id, inst);
        }
        PhaseDispatch dispatch = PolicyRegistry.standard().prefill(config.policy().name(), cluster,
                new SplittableRandom(config.seed() * 31 + 7));
        this.dispatcher = new SimulatedDispatcher(events, dispatch, this::send);
        Coupling coupling = config.coupling();
        this.decode = coupling == null ? null
                : new CoupledDecode(config, coupling, cluster, events, dispatchLatency, signalLatency);
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
        for (PrefillInstance inst : instances) {
            events.schedule(config.pollIntervalNanos() * (inst.index + 1) / instances.size(), () -> poll(inst));
        }
        long lastArrival = w.isEmpty() ? 0 : w.get(w.size() - 1).arrivalNanos();
        long stopAt = lastArrival + config.drainNanos();
        int oldest = 0;
        while (!events.isEmpty() && events.now() <= stopAt && (records.done() < w.size() || decodesLeft())) {
            if (!events.runUntil(Math.min(stopAt, events.now() + 1_000 * MS), abandon)) {
                break;
            }
            while (oldest < w.size() && records.finished(oldest)) {
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
        return records.measure(config.policy().name(), saturated, events.now(), stopAt, cluster, byId.keySet(),
                dispatcher, events.processed(), decode == null ? Stats.EMPTY : decode.tpotMs(),
                decode == null ? Stats.EMPTY : decode.queueMs());
    }

    /** Coupled P/D: requests whose first token came and whose decode has not finished. */
    private boolean decodesLeft() {
        return decode != null && decode.decodesLeft();
    }

    private void arrive(int i) {
        long now = events.now();
        WorkloadRequest wr = config.workload().get(i);
        records.arrived(i, now);
        int output = decode == null ? wr.outputTokens() : decode.countedOutput(wr);
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
            int rank = a.unit().dpRank();
            records.dispatched(i, now, rank);
            cluster.recordDispatchLatency(Phase.PREFILL, dispatchLatency);
            PrefillInstance inst = byId.get(a.unit().instanceId());
            events.schedule(now + dispatchLatency, () -> inst.receive(i, rank));
        }
        if (decode != null && !assignments.isEmpty()) {
            decode.decide(assignments);
        }
    }

    /**
     * Request {@code i}'s last chunk ran in a pass that ends now: its first token reaches the dispatcher
     * {@code signalLatency} later, and with a decode side its KV can move.
     */
    private void firstToken(int i, String instanceId) {
        long now = events.now();
        records.firstToken(i, now + signalLatency);
        if (decode != null) {
            decode.prefillEnded(i, now);
        }
        DpUnitId unit = new DpUnitId(instanceId, records.unitRank(i));
        int prompt = config.workload().get(i).promptTokens();
        events.schedule(now + signalLatency, () -> {
            cluster.onPrefillCompleted(unit, i, prompt, events.now(), events.now());
            dispatcher.signalled();
        });
    }

    private void poll(PrefillInstance inst) {
        long sampledAt = events.now();
        if (!inst.mute(sampledAt)) {
            long[][] load = inst.load();
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
        if (records.done() < config.workload().size()) {
            events.schedule(sampledAt + config.pollIntervalNanos(), () -> poll(inst));
        }
    }
}
