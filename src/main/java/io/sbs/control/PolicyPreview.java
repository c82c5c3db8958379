package io.sbs.control;

import io.sbs.core.SchedulingPolicy;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.PrefillEngineModel;
import io.sbs.sim.PrefillResult;
import io.sbs.sim.PrefillSimulation;
import io.sbs.sim.Signals;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.TimeScale;
import io.sbs.state.PolicyRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What-if for a policy change: replays recent traffic (the {@link TrafficRecorder}'s window) or a named
 * trace through the simulator under the proposed policy and under the current one, and returns projected
 * TTFT, throughput and utilization side by side, before anything is applied.
 *
 * <p>Model: the simulator's {@link PrefillSimulation}, which runs the production core, on the live
 * cluster's prefill shape (instances, DP units, {@code C_max}) with the pass-time model and latencies of an
 * engine profile (docs/simulator.md, "Policy preview"). Both policies see the same requests and the same
 * seed, so the difference between them is the policy's. Only the prefill side is simulated: TTFT is
 * decided there, and the decode twin is a closed loop that cannot replay recorded arrivals.
 *
 * <p>Threads: the simulations are plain Java and CPU-bound; they run on this class's own small pool
 * ({@code sbs-preview}, {@link Settings#threads()} threads: 2 runs both policies at once), never on the
 * dispatch loop's thread or a Netty event loop. One preview runs at a time per node; another asked for
 * meanwhile fails at once with {@link PreviewBusyException}. A subscriber that cancels does not stop the
 * simulations, so the node stays busy until they end, which bounds the work a client can start; the
 * wall-clock budget ({@link Settings#budget()}) bounds how long that is: past it the simulations stop and
 * the preview fails with {@link InvalidPreviewException} ({@code TOO_LARGE}).
 *
 * <p>Failure handling: nothing to replay or an unknown trace fail with {@link InvalidPreviewException};
 * a policy that cannot keep up is not an error: its projection says {@code saturated}.
 */
public final class PolicyPreview implements AutoCloseable {

    /**
     * @param threads      simulations run at once (2: the current and the proposed policy together)
     * @param pollInterval the simulated dispatcher's load polling, as the live one's {@code sbs.poll-interval}
     * @param queueBound   the live dispatcher's bound on queueing ({@code sbs.max-queue-time}): beyond it, it
     *                     answers 429, which the replay does not model
     * @param giveUp       a simulation stops, marked saturated, once a request has waited this long without
     *                     its first token (virtual time); also how long it runs on after the last arrival.
     *                     {@code null}: {@code queueBound} plus the time the longest replayed prompt takes
     *                     alone on the simulated cluster, so a request is given up once it has queued
     *                     about as long as the live dispatcher lets one wait
     * @param maxRequests  longest workload accepted
     * @param maxSpan      longest arrival span accepted (after the time scale): the simulated engines'
     *                     polling costs events however sparse the traffic
     * @param budget       wall-clock time a preview may take, from its start to both projections: past it the
     *                     simulations stop and the preview fails as too large, so no ask holds the preview's
     *                     threads (and every later preview) for long
     */
    public record Settings(int threads, Duration pollInterval, Duration queueBound, @Nullable Duration giveUp,
            int maxRequests, Duration maxSpan, Duration budget) {

        public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(30);
        public static final Settings DEFAULTS = new Settings(2, Duration.ofMillis(50), Duration.ofSeconds(2), null,
                TrafficRecorder.DEFAULT_MAX_REQUESTS, Duration.ofHours(6));

        public Settings(int threads, Duration pollInterval, Duration queueBound, @Nullable Duration giveUp,
                int maxRequests, Duration maxSpan) {
            this(threads, pollInterval, queueBound, giveUp, maxRequests, maxSpan, DEFAULT_BUDGET);
        }

        public Settings {
            if (threads < 1 || maxRequests < 1 || !positive(pollInterval) || !positive(queueBound)
                    || (giveUp != null && !positive(giveUp)) || !positive(maxSpan) || !positive(budget)) {
                throw new IllegalArgumentException("preview settings need threads and max-requests >= 1 and "
                        + "positive durations");
            }
        }

        private static boolean positive(Duration d) {
            return !d.isNegative() && !d.isZero();
        }
    }

    private static final Logger log = LoggerFactory.getLogger(PolicyPreview.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);
    private static final double NANOS = 1e9;

    private final TrafficRecorder recorder;
    private final TraceLibrary traces;
    private final Supplier<Mono<PolicyRecord>> current;
    private final Supplier<ClusterShape> cluster;
    private final EngineProfile profile;
    private final Settings settings;
    private final Scheduler scheduler;
    private final Executor executor;
    private final AtomicBoolean running = new AtomicBoolean();
    private final LongSupplier ticker;

    /**
     * @param current the current policy and its version ({@link PolicyService#current()})
     * @param cluster the live cluster's prefill instances, read at every preview
     * @param profile the engine profile whose timing model the simulated instances use
     */
    public PolicyPreview(TrafficRecorder recorder, TraceLibrary traces, Supplier<Mono<PolicyRecord>> current,
            Supplier<ClusterShape> cluster, EngineProfile profile, Settings settings) {
        this(recorder, traces, current, cluster, profile, settings, System::nanoTime);
    }

    /** @param ticker the wall clock of the budget, in nanoseconds */
    PolicyPreview(TrafficRecorder recorder, TraceLibrary traces, Supplier<Mono<PolicyRecord>> current,
            Supplier<ClusterShape> cluster, EngineProfile profile, Settings settings, LongSupplier ticker) {
        this.ticker = ticker;
        this.recorder = recorder;
        this.traces = traces;
        this.current = current;
        this.cluster = cluster;
        this.profile = profile;
        this.settings = settings;
        this.scheduler = Schedulers.newBoundedElastic(settings.threads(), 16, "sbs-preview", 60, true);
        this.executor = task -> scheduler.schedule(task);
    }

    /** The traces {@link PreviewRequest#trace()} may name. */
    public List<String> traces() {
        return traces.names();
    }

    /** The recorder this preview replays. */
    public TrafficRecorder recorder() {
        return recorder;
    }

    /**
     * Runs the preview. Errors: {@link InvalidPreviewException} (nothing to replay, unknown trace, over the
     * limits), {@link PreviewBusyException} (another preview is running).
     */
    public Mono<PreviewResult> preview(PreviewRequest request) {
        return current.get()
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("no current policy to compare with")))
                .flatMap(record -> Mono.fromFuture(() -> start(request, record), true));
    }

    private CompletableFuture<PreviewResult> start(PreviewRequest request, PolicyRecord currentRecord) {
        if (!running.compareAndSet(false, true)) {
            return CompletableFuture.failedFuture(new PreviewBusyException(RETRY_AFTER));
        }
        long started = ticker.getAsLong();
        BooleanSupplier overBudget = () -> ticker.getAsLong() - started > settings.budget().toNanos();
        CompletableFuture<PreviewResult> out;
        try {
            out = CompletableFuture.supplyAsync(() -> prepare(request), executor).thenCompose(setup -> {
                SchedulingPolicy now = currentRecord.policy();
                CompletableFuture<Run> cur = CompletableFuture.supplyAsync(() -> project(setup, now, overBudget),
                        executor);
                // the same policy twice gives the same run: do it once
                CompletableFuture<Run> next = request.proposed().equals(now) ? cur
                        : CompletableFuture.supplyAsync(() -> project(setup, request.proposed(), overBudget), executor);
                return cur.thenCombine(next, (c, p) -> result(setup, currentRecord.version(), c, p, started));
            });
        } catch (RuntimeException e) {
            running.set(false);
            throw e;
        }
        // the permit goes back before the caller hears the answer, so a next preview asked for at once runs
        return out.whenComplete((r, e) -> running.set(false));
    }

    /** The workload and the simulated cluster of one preview. */
    private record Setup(String source, List<WorkloadRequest> workload, PreviewRequest request,
            EngineProfile profile, PreviewResult.SimulatedCluster cluster, long giveUpNanos, List<String> notes,
            Signals signals) {
    }

    /** One policy's simulation and its projection. */
    private record Run(PreviewResult.Projection projection, PrefillResult raw) {
    }

    private Setup prepare(PreviewRequest request) {
        List<String> notes = new ArrayList<>();
        List<WorkloadRequest> workload;
        String source;
        if (request.trace() == null) {
            source = "recorded";
            workload = recorder.snapshot();
            if (workload.isEmpty()) {
                throw new InvalidPreviewException(InvalidPreviewException.Reason.NO_TRAFFIC,
                        "no traffic was recorded in the last " + recorder.window().toMinutes()
                                + " minutes; name a trace to replay instead, known: " + traces.names());
            }
            if (recorder.overflowed() > 0) {
                notes.add("the recorder dropped " + recorder.overflowed() + " requests at its cap: the replayed "
                        + "window is shorter than " + recorder.window().toMinutes() + " minutes");
            }
        } else {
            source = request.trace();
            workload = traces.load(request.trace());
            if (workload.isEmpty()) {
                throw new InvalidPreviewException(InvalidPreviewException.Reason.INVALID,
                        "trace '" + request.trace() + "' has no requests");
            }
        }
        if (request.timeScale() != 1) {
            workload = TimeScale.scale(workload, request.timeScale());
        }
        if (workload.size() > settings.maxRequests()) {
            throw new InvalidPreviewException(InvalidPreviewException.Reason.INVALID, "the traffic has "
                    + workload.size() + " requests, more than the " + settings.maxRequests() + " a preview replays");
        }
        long span = workload.get(workload.size() - 1).arrivalNanos() - workload.get(0).arrivalNanos();
        if (span > settings.maxSpan().toNanos()) {
            throw new InvalidPreviewException(InvalidPreviewException.Reason.INVALID, "the traffic spans "
                    + Math.round(span / NANOS) + " s, more than the " + settings.maxSpan().toSeconds()
                    + " s a preview replays; replay it faster (timeScale)");
        }
        ClusterShape shape = cluster.get();
        if (shape.prefill().isEmpty()) {
            throw new IllegalStateException("no prefill instance is registered: nothing to simulate");
        }
        Map<List<Integer>, Integer> shapes = new LinkedHashMap<>();
        for (ClusterShape.PrefillInstance i : shape.prefill()) {
            shapes.merge(List.of(i.dpUnits(), i.chunkTokens()), 1, Integer::sum);
        }
        List<Integer> common = shapes.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        EngineProfile.Prefill timing = profile.prefill();
        int units = common.get(0);
        int chunk = common.get(1) > 0 ? common.get(1) : timing.unitChunkTokens();
        if (shapes.size() > 1) {
            notes.add("the prefill instances differ in shape " + shapes.keySet() + " (DP units, chunk tokens); "
                    + "all " + shape.prefill().size() + " were simulated as the most common, " + units + " x " + chunk);
        }
        if (common.get(1) <= 0) {
            notes.add("the instances' chunk size is not configured; the profile's " + chunk + " tokens per unit "
                    + "was used");
        }
        EngineProfile simulated;
        try {
            simulated = profile.withPrefill(new EngineProfile.Prefill(shape.prefill().size(), units, chunk,
                    EngineProfile.ChunkSemantics.PER_UNIT, timing.t0Ms(), timing.bMaxMsPerToken(),
                    timing.bSumMsPerToken(), timing.attentionMsPerMTokenSq(), timing.jitterFraction(),
                    timing.cacheBlocksPerUnit(), timing.cacheBlockTokens()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the live cluster's shape cannot be simulated: " + e.getMessage(), e);
        }
        long giveUp = settings.giveUp() != null ? settings.giveUp().toNanos()
                : settings.queueBound().toNanos() + alone(simulated, longest(workload));
        return new Setup(source, workload, request, simulated, new PreviewResult.SimulatedCluster(profile.name(),
                shape.prefill().size(), units, chunk), giveUp, notes, shape.endForward() ? Signals.PUSH : Signals.STOCK);
    }

    private static int longest(List<WorkloadRequest> workload) {
        int max = 1;
        for (WorkloadRequest w : workload) {
            max = Math.max(max, w.promptTokens());
        }
        return max;
    }

    /**
     * How long a prompt takes on an idle simulated instance, from dispatch to its first token back: the
     * engine model's own passes, without jitter, plus the network both ways.
     */
    static long alone(EngineProfile profile, int promptTokens) {
        PrefillEngineModel engine = new PrefillEngineModel(profile.prefill());
        engine.receive(0, promptTokens, new long[0], 0);
        // nextDouble() of this generator is 0.5, which makes the jitter factor exactly 1
        RandomGenerator noJitter = () -> Long.MIN_VALUE;
        long total = 0;
        PrefillEngineModel.Pass pass;
        while ((pass = engine.startPass(noJitter, 1)) != null) {
            total += pass.durationNanos();
            engine.passEnded();
        }
        EngineProfile.Network network = profile.network();
        return total + Math.round((network.dispatchLatencyMs() + network.signalLatencyMs()) * 1e6);
    }

    private Run project(Setup setup, SchedulingPolicy policy, BooleanSupplier overBudget) {
        long giveUp = setup.giveUpNanos();
        PrefillResult r = PrefillSimulation.run(new PrefillSimulation.Config(setup.profile(), policy, setup.workload(),
                setup.request().seed(), 0, settings.pollInterval().toNanos(), giveUp, giveUp, List.of(),
                setup.signals()), overBudget);
        if (overBudget.getAsBoolean()) {
            throw new InvalidPreviewException(InvalidPreviewException.Reason.TOO_LARGE, "the preview did not finish "
                    + "within its budget of " + settings.budget().toSeconds() + " s (sbs.preview.budget): replay fewer "
                    + "requests, a shorter trace or a lower timeScale");
        }
        double seconds = r.lastFirstTokenNanos() / NANOS;
        double busySeconds = r.passMillis().count() * r.passMillis().mean() / 1e3;
        int instances = setup.cluster().instances();
        return new Run(new PreviewResult.Projection(policy, r.ttft().mean(), r.ttft().p50(), r.ttft().p99(),
                seconds > 0 ? r.completed() / seconds : 0, seconds > 0 ? r.completedPromptTokens() / seconds : 0,
                r.chunkUtilization(), seconds > 0 ? Math.min(1, busySeconds / (instances * seconds)) : 0,
                r.completed(), r.unfinished(), r.saturated(), seconds), r);
    }

    private PreviewResult result(Setup setup, long currentVersion, Run current, Run proposed, long started) {
        List<String> notes = new ArrayList<>(setup.notes());
        for (Run p : current == proposed ? List.of(current) : List.of(current, proposed)) {
            if (p.raw().saturated()) {
                notes.add(String.format(Locale.ROOT, "policy '%s' could not keep up: a request waited over %.1f s "
                        + "(where the live dispatcher would answer 429) and its simulation stopped after %.0f s, so "
                        + "its TTFT is a lower bound", p.raw().policy(), setup.giveUpNanos() / NANOS,
                        p.projection().simulatedSeconds()));
            }
        }
        List<WorkloadRequest> w = setup.workload();
        double span = (w.get(w.size() - 1).arrivalNanos() - w.get(0).arrivalNanos()) / NANOS;
        double wall = (ticker.getAsLong() - started) / NANOS;
        PreviewResult out = new PreviewResult(setup.source(), w.size(), span, span > 0 ? w.size() / span : 0,
                setup.request().timeScale(), setup.request().seed(), setup.cluster(), setup.giveUpNanos() / NANOS,
                currentVersion, current.projection(), proposed.projection(), wall, notes);
        log.info("policy preview on {} ({} requests over {} s): mean TTFT {} ms under {} (current), {} ms under {} "
                + "(proposed); {} ms wall", out.source(), out.requests(), Math.round(span),
                Math.round(current.projection().ttftMeanSeconds() * 1e3), current.raw().policy(),
                Math.round(proposed.projection().ttftMeanSeconds() * 1e3), proposed.raw().policy(),
                Math.round(wall * 1e3));
        return out;
    }

    @Override
    public void close() {
        scheduler.dispose();
    }
}
