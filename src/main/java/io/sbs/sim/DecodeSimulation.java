package io.sbs.sim;

import io.sbs.core.Assignment;
import io.sbs.core.ClusterState;
import io.sbs.core.DecodeStepEndedEvent;
import io.sbs.core.DpUnitId;
import io.sbs.core.InferenceRequest;
import io.sbs.core.IqrLexicographicDecodeAllocator;
import io.sbs.core.OutputLengthEstimator;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.Phase;
import io.sbs.core.PhaseDispatch;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.core.StaggeredDecodeDispatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

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
            ToIntFunction<RandomGenerator> outputTokens, OutputLengthKnowledge knowledge,
            IqrLexicographicDecodeAllocator.MaskReading maskReading, IqrLexicographicDecodeAllocator.Selection selection) {

        /**
         * The oracle's knowledge (the setting of the decode figures before issue 16) and SBS's own placement;
         * {@link #with(OutputLengthKnowledge)} gives what a live dispatcher knows.
         */
        public Config(EngineProfile profile, SchedulingPolicy policy, int concurrency, long durationNanos,
                long warmupNanos, long sampleNanos, long seed, ToIntFunction<RandomGenerator> promptTokens,
                ToIntFunction<RandomGenerator> outputTokens) {
            this(profile, policy, concurrency, durationNanos, warmupNanos, sampleNanos, seed, promptTokens, outputTokens,
                    OutputLengthKnowledge.ORACLE, IqrLexicographicDecodeAllocator.MaskReading.LOOK_AHEAD,
                    IqrLexicographicDecodeAllocator.Selection.STEP_COST);
        }

        public Config with(OutputLengthKnowledge k) {
            return new Config(profile, policy, concurrency, durationNanos, warmupNanos, sampleNanos, seed, promptTokens,
                    outputTokens, k, maskReading, selection);
        }

        /** SBS's decode placement read another way (a staggered policy only; the baselines have no mask). */
        public Config with(IqrLexicographicDecodeAllocator.MaskReading reading, IqrLexicographicDecodeAllocator.Selection key) {
            return new Config(profile, policy, concurrency, durationNanos, warmupNanos, sampleNanos, seed, promptTokens,
                    outputTokens, knowledge, reading, key);
        }

        /** Whether this is SBS with a decode placement other than its own. */
        boolean variant() {
            return PolicyRegistry.standard().get(policy.name()).staggered()
                    && (maskReading != IqrLexicographicDecodeAllocator.MaskReading.LOOK_AHEAD
                            || selection != IqrLexicographicDecodeAllocator.Selection.STEP_COST);
        }

        /** The decode placement's name in reports: {@code iqr-step-cost}, {@code iqr-lexicographic-literal}, ... */
        String allocatorName() {
            if (!variant()) {
                return PolicyRegistry.standard().get(policy.name()).decodeAllocatorName();
            }
            String reading = maskReading == IqrLexicographicDecodeAllocator.MaskReading.LITERAL ? "-literal" : "";
            return "iqr-" + selection.name().toLowerCase(Locale.ROOT).replace('_', '-') + reading;
        }
    }

    /** The model name the simulated clients ask for (the predictor keys on it); the coupled run's too. */
    static final String MODEL = "sim";

    private static final long MS = 1_000_000L;

    private final Config config;
    private final EngineProfile.Decode shape;
    private final EventQueue events = new EventQueue();
    private final SplittableRandom lengths;
    private final SplittableRandom jitter;
    private final ClusterState cluster;
    private final SimulatedDispatcher dispatcher;
    private final List<DecodeInstance> instances = new ArrayList<>();
    private final long dispatchLatency;
    private final long signalLatency;
    private final long handover;
    /** Null for the oracle. */
    private final @Nullable OutputLengthEstimator estimator;
    /** True output lengths by request id, which the engine runs and the dispatcher may not see. */
    private final Map<Long, Integer> trueOutput = new HashMap<>();
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
        instances.addAll(DecodeInstance.start(cluster, shape, shape.instances(), events, jitter, new DecodeInstance.Listener() {
            @Override
            public void stepEnded(long durationNanos, long tokens, DecodeStepEndedEvent report) {
                DecodeSimulation.this.stepEnded(durationNanos, tokens, report);
            }

            @Override
            public void finished(InferenceRequest request, DpUnitId unit, long startedAt) {
                DecodeSimulation.this.finished(request, unit, startedAt);
            }
        }));
        PhaseDispatch dispatch = decodeDispatch(config, cluster);
        this.estimator = config.knowledge() == OutputLengthKnowledge.ORACLE ? null
                : new OutputLengthEstimator(config.knowledge());
        this.dispatcher = new SimulatedDispatcher(events, dispatch, this::send);
    }

    /** The policy's decode strategy, or SBS with the placement variant the config asks for. */
    static PhaseDispatch decodeDispatch(Config config, ClusterState cluster) {
        if (config.variant()) {
            return new StaggeredDecodeDispatch(cluster, new IqrLexicographicDecodeAllocator(config.policy().iqrKappa(),
                    config.maskReading(), config.selection(), cluster.decodeStepCost()::tokensPerRequest));
        }
        return PolicyRegistry.standard().decode(config.policy().name(), cluster,
                new SplittableRandom(config.seed() * 31 + 7));
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
                config.allocatorName(),
                generatedTokens / seconds, completed, tpotMs.stats(), kvSamples.stats(), stepMs.stats(), kvSeries);
    }

    /** A client sends its next request (its prefill is taken as done: it arrives after the KV handover). */
    private void issue() {
        long now = events.now();
        int prompt = Math.max(1, config.promptTokens().applyAsInt(lengths));
        int output = Math.max(1, config.outputTokens().applyAsInt(lengths));
        long id = nextId++;
        trueOutput.put(id, output);
        // the simulated clients set no max_tokens: the dispatcher counts the live default for them
        int expected = estimator == null ? output
                : estimator.expected(MODEL, prompt, InferenceRequest.DEFAULT_OUTPUT_TOKENS, false);
        dispatcher.arrive(new InferenceRequest(id, prompt, expected, now));
    }

    private void send(List<Assignment> assignments) {
        long now = events.now();
        for (Assignment a : assignments) {
            cluster.recordDispatchLatency(Phase.DECODE, dispatchLatency);
            DecodeInstance inst = instances.get(DecodeInstance.indexOf(a.unit().instanceId()));
            int rank = a.unit().dpRank();
            InferenceRequest r = a.request();
            InferenceRequest truth = new InferenceRequest(r.id(), r.promptTokens(), trueOutput.remove(r.id()),
                    r.arrivalNanos());
            // the engine runs the true length; its report counts what the dispatcher expected it to hold
            events.schedule(now + dispatchLatency + handover, () -> inst.receive(truth, rank, r.totalTokens()));
        }
    }

    private void sample() {
        double[] ks = new double[instances.size() * shape.dpUnits()];
        int n = 0;
        for (DecodeInstance inst : instances) {
            for (long kv : inst.kv()) {
                ks[n++] = kv;
                kvSamples.add(kv);
            }
        }
        Stats s = Stats.of(ks, n);
        kvSeries.add(new double[] {(events.now() - config.warmupNanos()) / 1e9, s.p10(), s.p50(), s.p90(), s.max()});
        events.schedule(events.now() + config.sampleNanos(), this::sample);
    }

    private void stepEnded(long duration, long tokens, DecodeStepEndedEvent report) {
        long now = events.now();
        if (now > config.warmupNanos()) {
            stepMs.add(duration / (double) MS);
            generatedTokens += tokens;
        }
        events.schedule(now + signalLatency, () -> {
            cluster.onDecodeStepEnded(report, events.now());
            // the step's length, as the gap between two tokens of a stream the dispatcher relays shows it
            cluster.onDecodeStepTimed(report.instanceId(), duration);
            dispatcher.signalled();
        });
    }

    private void finished(InferenceRequest r, DpUnitId unit, long startedAt) {
        long now = events.now();
        if (now > config.warmupNanos()) {
            completed++;
            tpotMs.add((now - startedAt) / (double) MS / r.outputTokens());
        }
        events.schedule(now + signalLatency, () -> {
            cluster.onDecodeCompleted(unit);
            if (estimator != null) {
                estimator.finished(MODEL, r.promptTokens(), r.outputTokens());
            }
            issue();
        });
    }
}
