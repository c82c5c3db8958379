package io.sbs.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.sbs.core.Phase;
import io.sbs.engine.EndForwardPayload;
import io.sbs.engine.PromptTokens;
import io.sbs.loop.DispatchLoop;
import io.sbs.loop.LoopSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * The dispatcher's Micrometer meters (exported at {@code /actuator/prometheus}). Request meters are
 * recorded by the ingress; the loop's state is read from its {@link LoopSnapshot}, never from the core
 * directly, so scrapes do not race the dispatch thread. Per-DP-unit gauges and the per-instance readiness
 * counters ({@link ReadinessMeters}) are refreshed with each snapshot, so instances registered later appear
 * too, and removed ones leave.
 */
final class DispatcherMetrics implements AutoCloseable {

    private final MeterRegistry registry;
    private final DispatchLoop loop;
    private final MultiGauge unitAvailable;
    private final MultiGauge unitOutstanding;
    private final MultiGauge unitBatch;
    private final MultiGauge unitKv;
    private final ReadinessMeters readiness;
    private final DistributionSummary outputTokens;
    private final Disposable refresh;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Counter[]> prefixCounters = new ConcurrentHashMap<>();

    DispatcherMetrics(MeterRegistry registry, DispatchLoop loop) {
        this.registry = registry;
        this.loop = loop;
        Gauge.builder("sbs.buffer.depth", loop, DispatchLoop::buffered)
                .description("requests accepted and not yet assigned (scheduler-side queue)").register(registry);
        Gauge.builder("sbs.overloaded", loop, l -> l.overloaded() ? 1 : 0)
                .description("1 while flow control answers new requests with 429").register(registry);
        Gauge.builder("sbs.prefill.chunk.utilization", loop, l -> l.snapshot().chunkUtilization())
                .description("prompt tokens over chunk capacity of the prefill passes reported in the last second")
                .register(registry);
        for (Phase phase : Phase.values()) {
            String tag = phase.name().toLowerCase(Locale.ROOT);
            phaseGauge("sbs.interval", "Δ, the dispatch interval", phase, tag, v -> v.intervalNanos() / 1e9, "seconds");
            phaseGauge("sbs.forward.mean", "T̄_fwd, the mean forward pass", phase, tag, v -> v.meanForwardNanos() / 1e9,
                    "seconds");
            phaseGauge("sbs.dispatch.latency", "τ_net, decision to engine request written", phase, tag,
                    v -> v.dispatchLatencyNanos() / 1e9, "seconds");
            phaseGauge("sbs.instances.healthy", "N, instances not suspect", phase, tag, v -> v.healthyInstances(), null);
            FunctionCounter.builder("sbs.watchdog.fires", loop, l -> {
                LoopSnapshot.PhaseView v = view(l.snapshot(), phase);
                return v == null ? 0 : v.watchdogFires();
            }).description("watchdog fires: an instance silent past its deadline").tag("phase", tag).register(registry);
        }
        // live rather than from the snapshot: the failover drill times when a new leader's T̄_fwd has it
        Gauge.builder("sbs.forward.from.pushes", loop, l -> l.passModel().fromPushes() ? 1 : 0)
                .description("1 while the prefill T̄_fwd comes from EndForward pushes (pushed passes in its window, "
                        + "or, with none, the leader's push-derived figure)")
                .tag("phase", "prefill").register(registry);
        unitAvailable = MultiGauge.builder("sbs.unit.available.tokens")
                .description("C_avail of each prefill DP unit").register(registry);
        unitOutstanding = MultiGauge.builder("sbs.unit.outstanding.tokens")
                .description("prompt tokens dispatched to each prefill DP unit and not yet answered").register(registry);
        unitBatch = MultiGauge.builder("sbs.unit.batch.size")
                .description("running requests of each decode DP unit: last report plus in flight").register(registry);
        unitKv = MultiGauge.builder("sbs.unit.kv.tokens")
                .description("KV-cache tokens held on each decode DP unit: last report plus in flight").register(registry);
        readiness = new ReadinessMeters(registry, loop::snapshot);
        outputTokens = DistributionSummary.builder("sbs.decode.output.tokens")
                .description("output tokens of finished requests the output-length predictor learned from")
                .baseUnit("tokens").register(registry);
        loop.onPrefixLookup(this::prefixLookup);
        refreshUnits(loop.snapshot());
        refresh = Flux.interval(Duration.ofSeconds(1)).subscribe(t -> refreshUnits(loop.snapshot()));
    }

    private void phaseGauge(String name, String description, Phase phase, String tag,
            ToDoubleFunction<LoopSnapshot.PhaseView> value, String unit) {
        Gauge.builder(name, loop, l -> {
            LoopSnapshot.PhaseView v = view(l.snapshot(), phase);
            return v == null ? Double.NaN : value.applyAsDouble(v);
        }).description(description).baseUnit(unit).tag("phase", tag).register(registry);
    }

    private static LoopSnapshot.PhaseView view(LoopSnapshot s, Phase phase) {
        return phase == Phase.PREFILL ? s.prefill() : s.decode();
    }

    private void refreshUnits(LoopSnapshot s) {
        List<MultiGauge.Row<?>> available = new ArrayList<>();
        List<MultiGauge.Row<?>> outstanding = new ArrayList<>();
        List<MultiGauge.Row<?>> batch = new ArrayList<>();
        List<MultiGauge.Row<?>> kv = new ArrayList<>();
        for (LoopSnapshot.UnitView u : s.units()) {
            Tags tags = Tags.of("instance", u.instanceId(), "dp_rank", Integer.toString(u.dpRank()));
            if (u.phase() == Phase.PREFILL) {
                available.add(MultiGauge.Row.of(tags, u.availableTokens()));
                outstanding.add(MultiGauge.Row.of(tags, u.outstandingTokens()));
            } else {
                batch.add(MultiGauge.Row.of(tags, u.batchSize()));
                kv.add(MultiGauge.Row.of(tags, u.kvTokens()));
            }
        }
        unitAvailable.register(available, true);
        unitOutstanding.register(outstanding, true);
        unitBatch.register(batch, true);
        unitKv.register(kv, true);
        readiness.refresh(s);
    }

    /**
     * One prefill decision of a request with block hashes: its prompt tokens looked up, and the tokens the
     * dispatcher's cache view predicted cached on the chosen unit (docs/operations.md, "Prefix caching"). On
     * the loop's thread: two map hits and two increments.
     */
    private void prefixLookup(DispatchLoop.PrefixLookup p) {
        String key = p.unit().instanceId() + '\u0000' + p.unit().dpRank() + '\u0000' + p.policy();
        Counter[] pair = prefixCounters.computeIfAbsent(key, k -> {
            Tags tags = Tags.of("instance", p.unit().instanceId(), "dp_rank", Integer.toString(p.unit().dpRank()),
                    "policy", p.policy());
            return new Counter[] {
                Counter.builder("sbs.prefix.lookup.tokens").baseUnit("tokens")
                        .description("prompt tokens of requests with prefix block hashes, by the DP unit chosen")
                        .tags(tags).register(registry),
                Counter.builder("sbs.prefix.hit.tokens").baseUnit("tokens")
                        .description("of those, the tokens the dispatcher's cache view held cached on the chosen "
                                + "unit when it decided").tags(tags).register(registry)};
        });
        pair[0].increment(p.lookupTokens());
        pair[1].increment(p.hitTokens());
    }

    /** Time to first token as the client sees it, per policy. */
    void ttft(String policy, long nanos) {
        timer("sbs.ttft", "arrival to first token", policy).record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Output tokens of a finished request, as the engine's usage reported them or its stream carried them:
     * what the output-length predictor learned from ({@code sbs.decode.output-length=predicted} only). Not
     * tagged by model: the model name comes from clients, and a meter per name would grow without bound.
     */
    void outputLearned(long tokens) {
        outputTokens.record(tokens);
    }

    /** Scheduler-side queueing: arrival to decision. */
    void schedulerQueue(String policy, long nanos) {
        timer("sbs.queue.scheduler", "arrival to dispatch decision", policy).record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Device-side queueing, estimated: from the engine request written to the first token, less the mean
     * prefill pass, as engines do not report when a request's pass starts.
     */
    void deviceQueue(String policy, long nanos) {
        timer("sbs.queue.device", "engine request written to first token, less the mean prefill pass", policy)
                .record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    private Timer timer(String name, String description, String policy) {
        // looked up on every request: a map hit, not a registry lookup with a fresh meter id
        return timers.computeIfAbsent(name + '\u0000' + policy, key -> Timer.builder(name).description(description)
                .tag("policy", policy).publishPercentileHistogram()
                .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofSeconds(2))
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry));
    }

    /** A request refused before it was accepted: {@code overload} (429), {@code invalid} (400), {@code too-large}. */
    void rejected(String reason) {
        counters.computeIfAbsent("rejected\u0000" + reason, key -> Counter.builder("sbs.requests.rejected")
                .description("requests refused at the ingress").tag("reason", reason).register(registry)).increment();
    }

    /** A refused EndForward push, by {@link EndForwardPayload.Refused.Reason} or {@code too-large}. */
    void endForwardRejected(EndForwardPayload.Refused.Reason reason) {
        endForwardRejected(reason.tag());
    }

    void endForwardRejected(String reason) {
        counters.computeIfAbsent("end-forward\u0000" + reason, key -> Counter.builder("sbs.end_forward.rejected")
                .description("EndForward pushes refused: malformed, outside physical bounds, of the wrong shape, "
                        + "for an unknown instance, too large").tag("reason", reason).register(registry)).increment();
    }

    /**
     * An EndForward push this node's loop took ({@code T̄_fwd} and the pass tracker had it): {@code direct}
     * when pushed to it as leader, {@code relayed} when a standby took it and relayed it here, {@code standby}
     * when it stands by and relayed the push (its loop learns from it too: a hot standby).
     */
    void endForwardApplied(String path) {
        counters.computeIfAbsent("end-forward-applied\u0000" + path, key -> Counter.builder("sbs.end_forward.applied")
                .description("EndForward pushes this node's loop took: as leader pushed here (direct) or relayed "
                        + "by a standby (relayed), or as a standby relaying it (standby)")
                .tag("path", path).register(registry)).increment();
    }

    /** How a prompt's length was obtained (token ids, tokenizer or estimate). */
    void promptMeasured(PromptTokens.Source source) {
        counters.computeIfAbsent("prompt\u0000" + source, key -> Counter.builder("sbs.prompt.measurements")
                .description("prompt lengths by how they were obtained")
                .tag("source", source.name().toLowerCase(Locale.ROOT)).register(registry)).increment();
    }

    @Override
    public void close() {
        refresh.dispose();
    }
}
