package io.sbs.sim;

import io.sbs.core.Assignment;
import io.sbs.core.ClusterState;
import io.sbs.core.DecodeStepEndedEvent;
import io.sbs.core.DpUnitId;
import io.sbs.core.InferenceRequest;
import io.sbs.core.Phase;
import io.sbs.core.PhaseDispatch;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;

/**
 * Simulates the decode side: a closed loop of clients whose requests (prefill already done) reach the
 * dispatcher's decode {@link PhaseDispatch} and run on decode instances stepping in lockstep.
 *
 * <p>Model (SPEC.md section 4, docs/simulator.md): each step every running request of every unit emits one
 * token and its KV grows by one; a step lasts
 * {@code t0 + max_d(kv·k_d/1000 + batch·b_d) + shared·Σ_d b_d}, jittered, so the unit with the most KV or
 * the largest batch sets everyone's pace (DP+EP straggler). A unit admits a waiting request at a step
 * boundary when the KV it reserves (prompt plus output of its running requests) leaves room for the new
 * one, so a memory straggler queues work rather than running out. Each client issues its next request
 * as soon as the previous one finishes, keeping {@code concurrency} requests in the system: throughput is
 * what the cluster's pace allows, which is what the decode allocators change.
 */
public final class DecodeSimulation {

    /**
     * @param concurrency     requests kept in the system (clients of the closed loop)
     * @param durationNanos   virtual time simulated
     * @param warmupNanos     not measured before this
     * @param sampleNanos     period of the per-unit KV-load samples
     */
    public record Config(EngineProfile profile, SchedulingPolicy policy, int concurrency, long durationNanos,
            long warmupNanos, long sampleNanos, long seed, ToIntFunction<RandomGenerator> promptTokens,
            ToIntFunction<RandomGenerator> outputTokens) {
    }

    private static final long MS = 1_000_000L;

    private final Config config;
    private final EngineProfile.Decode shape;
    private final EventQueue events = new EventQueue();
    private final SplittableRandom lengths;
    private final SplittableRandom jitter;
    private final ClusterState cluster;
    private final SimulatedDispatcher dispatcher;
    private final List<Instance> instances = new ArrayList<>();
    private final long dispatchLatency;
    private final long signalLatency;
    private final long handover;
    private long nextId;
    private long generatedTokens;
    private long completed;
    private final Stats.Sample tpotMs = new Stats.Sample();
    private final Stats.Sample kvSamples = new Stats.Sample();
    private final Stats.Sample stepMs = new Stats.Sample();
    private final List<double[]> kvSeries = new ArrayList<>();

    private DecodeSimulation(Config config) {
        this.config = config;
        this.shape = config.profile().decode();
        this.lengths = new SplittableRandom(config.seed());
        this.jitter = new SplittableRandom(config.seed() * 17 + 3);
        this.cluster = new ClusterState(config.policy());
        this.dispatchLatency = Math.round(config.profile().network().dispatchLatencyMs() * MS);
        this.signalLatency = Math.round(config.profile().network().signalLatencyMs() * MS);
        this.handover = Math.round(config.profile().network().kvTransferMs() * MS);
        for (int i = 0; i < shape.instances(); i++) {
            String id = "decode-" + i;
            cluster.addInstance(id, Phase.DECODE, shape.dpUnits(), 1, shape.kvCapacityTokens(), 0);
            instances.add(new Instance(id));
        }
        PhaseDispatch dispatch = PolicyRegistry.standard().decode(config.policy().name(), cluster,
                new SplittableRandom(config.seed() * 31 + 7));
        this.dispatcher = new SimulatedDispatcher(events, dispatch, this::send);
    }

    public static DecodeResult run(Config config) {
        return new DecodeSimulation(config).execute();
    }

    private DecodeResult execute() {
        for (int c = 0; c < config.concurrency(); c++) {
            long at = (long) c * Math.max(1, 1_000 * MS / Math.max(1, config.concurrency()));
            events.schedule(at, this::issue);
        }
        events.schedule(config.warmupNanos(), this::sample);
        events.runUntil(config.durationNanos());
        double seconds = (config.durationNanos() - config.warmupNanos()) / 1e9;
        return new DecodeResult(config.policy().name(),
                PolicyRegistry.standard().get(config.policy().name()).decodeAllocatorName(),
                generatedTokens / seconds, completed, tpotMs.stats(), kvSamples.stats(), stepMs.stats(), kvSeries);
    }

    /** A client sends its next request (its prefill is taken as done: it arrives after the KV handover). */
    private void issue() {
        long now = events.now();
        int prompt = Math.max(1, config.promptTokens().applyAsInt(lengths));
        int output = Math.max(1, config.outputTokens().applyAsInt(lengths));
        InferenceRequest r = new InferenceRequest(nextId++, prompt, output, now);
        dispatcher.arrive(r);
    }

    private void send(List<Assignment> assignments) {
        long now = events.now();
        for (Assignment a : assignments) {
            cluster.recordDispatchLatency(Phase.DECODE, dispatchLatency);
            Instance inst = instances.get(Integer.parseInt(a.unit().instanceId().substring("decode-".length())));
            int rank = a.unit().dpRank();
            InferenceRequest r = a.request();
            events.schedule(now + dispatchLatency + handover, () -> inst.receive(r, rank));
        }
    }

    private void sample() {
        double[] ks = new double[instances.size() * shape.dpUnits()];
        int n = 0;
        for (Instance inst : instances) {
            for (Unit u : inst.units) {
                ks[n++] = u.kv;
                kvSamples.add(u.kv);
            }
        }
        Stats s = Stats.of(ks, n);
        kvSeries.add(new double[] {(events.now() - config.warmupNanos()) / 1e9, s.p10(), s.p50(), s.p90(), s.max()});
        events.schedule(events.now() + config.sampleNanos(), this::sample);
    }

    private record Running(InferenceRequest request, long finishStep, long startedAt) {
    }

    private static final class Unit {
        final PriorityQueue<Running> running = new PriorityQueue<>(
                (a, b) -> a.finishStep != b.finishStep ? Long.compare(a.finishStep, b.finishStep)
                        : Long.compare(a.request.id(), b.request.id()));
        final ArrayDeque<InferenceRequest> waiting = new ArrayDeque<>();
        long kv;
        long reserved;
        int receivedRequests;
        long receivedKv;
    }

    private final class Instance {
        final String id;
        final List<Unit> units = new ArrayList<>();
        long step;
        boolean stepping;

        Instance(String id) {
            this.id = id;
            for (int d = 0; d < shape.dpUnits(); d++) {
                units.add(new Unit());
            }
        }

        void receive(InferenceRequest r, int rank) {
            Unit u = units.get(rank);
            u.waiting.add(r);
            u.receivedRequests++;
            u.receivedKv += r.totalTokens();
            if (!stepping) {
                startStep();
            }
        }

        void startStep() {
            long now = events.now();
            double straggler = 0;
            long batch = 0;
            for (Unit u : units) {
                while (!u.waiting.isEmpty()
                        && u.reserved + u.waiting.peek().totalTokens() <= shape.kvCapacityTokens()) {
                    InferenceRequest r = u.waiting.poll();
                    u.reserved += r.totalTokens();
                    u.kv += r.promptTokens();
                    u.running.add(new Running(r, step + r.outputTokens(), now));
                }
                int b = u.running.size();
                batch += b;
                straggler = Math.max(straggler, shape.kvMsPerKToken() * u.kv / 1000.0 + shape.batchMsPerRequest() * b);
            }
            if (batch == 0) {
                stepping = false;
                return;
            }
            stepping = true;
            double ms = shape.t0Ms() + straggler + shape.sharedMsPerRequest() * batch;
            ms *= 1 + shape.jitterFraction() * (2 * jitter.nextDouble() - 1);
            long duration = Math.max(1, Math.round(ms * MS));
            events.schedule(now + duration, () -> endStep(duration));
        }

        void endStep(long duration) {
            long now = events.now();
            step++;
            boolean measured = now > config.warmupNanos();
            if (measured) {
                stepMs.add(duration / (double) MS);
            }
            int[] batch = new int[units.size()];
            long[] kv = new long[units.size()];
            int[] received = new int[units.size()];
            long[] receivedKv = new long[units.size()];
            for (int d = 0; d < units.size(); d++) {
                Unit u = units.get(d);
                int b = u.running.size();
                u.kv += b;
                if (measured) {
                    generatedTokens += b;
                }
                while (!u.running.isEmpty() && u.running.peek().finishStep <= step) {
                    Running done = u.running.poll();
                    InferenceRequest r = done.request;
                    u.kv -= r.totalTokens();
                    u.reserved -= r.totalTokens();
                    finish(done, new DpUnitId(id, d));
                }
                batch[d] = u.running.size() + u.waiting.size();
                long waitingKv = 0;
                for (InferenceRequest w : u.waiting) {
                    waitingKv += w.promptTokens();
                }
                kv[d] = u.kv + waitingKv;
                received[d] = u.receivedRequests;
                receivedKv[d] = u.receivedKv;
                u.receivedRequests = 0;
                u.receivedKv = 0;
            }
            DecodeStepEndedEvent e = new DecodeStepEndedEvent(id, now, duration, batch, kv, received, receivedKv);
            events.schedule(now + signalLatency, () -> {
                cluster.onDecodeStepEnded(e, events.now());
                dispatcher.signalled();
            });
            startStep();
        }

        void finish(Running done, DpUnitId unit) {
            long now = events.now();
            if (now > config.warmupNanos()) {
                completed++;
                tpotMs.add((now - done.startedAt) / (double) MS / done.request.outputTokens());
            }
            events.schedule(now + signalLatency, () -> {
                cluster.onDecodeCompleted(unit);
                issue();
            });
        }
    }
}
