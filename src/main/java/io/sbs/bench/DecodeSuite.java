package io.sbs.bench;

import io.sbs.cli.Progress;
import io.sbs.core.IqrLexicographicDecodeAllocator.MaskReading;
import io.sbs.core.IqrLexicographicDecodeAllocator.Selection;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.DecodeResult;
import io.sbs.sim.DecodeSimulation;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.PrefillResult;
import io.sbs.sim.PrefillSimulation;
import io.sbs.sim.Signals;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.PaperWorkloads;
import io.sbs.sim.workload.PoissonArrivals;
import io.sbs.sim.workload.WorkloadGenerator;
import io.sbs.tools.MarkdownTable;
import io.sbs.tools.ReportWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;

/**
 * The decode experiment (issue 16): the closed loop of the paper's figure 7 on profiles {@code paper} and
 * {@code divided}, three seeds, under each output-length knowledge ({@code oracle}, {@code max-tokens},
 * {@code predicted}), every decode baseline (round robin, least batch, least KV tokens, KV and batch
 * balanced, step-cost balanced) against SBS, and SBS's placement read six ways (the learned step-cost,
 * the balanced, the paper's lexicographic or a KV-first key; the look-ahead or the literal mask); then the
 * coupled P/D run ({@link #coupled}). The KV-blind baselines do not read output lengths, so they run once per
 * profile and seed and serve every knowledge. Figures are means over the seeds.
 */
final class DecodeSuite {

    static final List<String> PROFILES = List.of("paper", "divided");
    static final List<OutputLengthKnowledge> MODES = List.of(OutputLengthKnowledge.ORACLE,
            OutputLengthKnowledge.MAX_TOKENS, OutputLengthKnowledge.PREDICTED);

    /** SBS's placement variants: (name in reports, mask reading, key). The first is SBS itself. */
    record Variant(String name, MaskReading reading, Selection selection) {
    }

    static final List<Variant> VARIANTS = List.of(
            new Variant(PolicyRegistry.SBS, MaskReading.LOOK_AHEAD, Selection.STEP_COST),
            new Variant("sbs-literal", MaskReading.LITERAL, Selection.STEP_COST),
            new Variant("sbs-balanced", MaskReading.LOOK_AHEAD, Selection.BALANCED),
            new Variant("sbs-lexicographic", MaskReading.LOOK_AHEAD, Selection.LEXICOGRAPHIC),
            new Variant("sbs-lexicographic-literal", MaskReading.LITERAL, Selection.LEXICOGRAPHIC),
            new Variant("sbs-kv-first", MaskReading.LOOK_AHEAD, Selection.KV_FIRST));
    private static final List<String> BLIND = List.of(PolicyRegistry.ROUND_ROBIN, PolicyRegistry.LEAST_OUTSTANDING_TOKENS);
    private static final List<String> KV_AWARE = List.of(PolicyRegistry.LEAST_KV_TOKENS,
            PolicyRegistry.KV_BATCH_BALANCED, PolicyRegistry.STEP_COST_BALANCED);

    /** Measured virtual seconds of each coupled P/D run, and its warm-up, at the default decode length (240 s). */
    static final double COUPLED_SECONDS = 60;
    private static final double COUPLED_WARMUP_S = 30;
    private static final double DEFAULT_DECODE_SECONDS = 240;

    private final List<Long> seeds;
    private final double decodeSeconds;

    /** @param seeds the decode seeds (three, for the spread) */
    DecodeSuite(List<Long> seeds, double decodeSeconds) {
        this.seeds = List.copyOf(seeds);
        this.decodeSeconds = decodeSeconds;
    }

    /** Three seeds from the suite's: its first three, or its first and the next ones. */
    static List<Long> threeSeeds(List<Long> seeds) {
        if (seeds.size() >= 3) {
            return seeds.subList(0, 3);
        }
        long s = seeds.isEmpty() ? 1 : seeds.get(0);
        return List.of(s, s + 1, s + 2);
    }

    static DecodeSimulation.Config config(EngineProfile profile, String policy, long seed, double seconds) {
        int concurrency = 35 * profile.decode().dpUnits() * profile.decode().instances();
        return new DecodeSimulation.Config(profile, SchedulingPolicy.defaults(policy), concurrency,
                (long) ((seconds + 60) * 1e9), 60_000_000_000L, 1_000_000_000L, seed,
                PaperWorkloads.DECODE_PROMPTS::sample, PaperWorkloads.DECODE_OUTPUTS::sample);
    }

    /** {@code app/bench decode}: this suite alone, into {@code out}. */
    static void standalone(Path out, List<Long> seeds, double decodeSeconds, Progress progress) {
        long started = System.nanoTime();
        StringBuilder report = new StringBuilder("# SBS decode benchmark\n\n");
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("suite", "decode");
        try (Parallel parallel = new Parallel()) {
            Map<String, Object> r = new DecodeSuite(seeds, decodeSeconds).run(parallel, report, progress);
            summary.put("headline", Map.of("decode_by_knowledge", r.get("headline")));
            summary.put("decode_by_knowledge", r);
            Map<String, Object> coupled = new DecodeSuite(seeds, decodeSeconds).coupled(parallel, report, progress);
            summary.put("coupled_pd", coupled);
        }
        double wall = (System.nanoTime() - started) / 1e9;
        summary.put("wall_seconds", Math.round(wall * 10) / 10.0);
        report.append("\nWall time: ").append(PaperSuite.fmt(wall)).append(" s.\n");
        ReportWriter.writeJson(out.resolve("summary.json"), summary);
        ReportWriter.writeText(out.resolve("report.md"), report.toString());
    }

    /** Every run, submitted at once; then the tables and the {@code decode_by_knowledge} headline. */
    Map<String, Object> run(Parallel parallel, StringBuilder report, Progress progress) {
        Map<String, Future<DecodeResult>> runs = new LinkedHashMap<>();
        Progress.Stage stage = progress.stage("decode by output-length knowledge", PROFILES.size() * seeds.size()
                * (BLIND.size() + MODES.size() * (KV_AWARE.size() + VARIANTS.size())));
        for (String name : PROFILES) {
            EngineProfile profile = ProfileLoader.load(name);
            for (long seed : seeds) {
                for (String policy : BLIND) {
                    DecodeSimulation.Config c = config(profile, policy, seed, decodeSeconds);
                    String k = key(name, null, policy, seed);
                    runs.put(k, parallel.submit(stage, k, 1, () -> DecodeSimulation.run(c)));
                }
                for (OutputLengthKnowledge mode : MODES) {
                    for (String policy : KV_AWARE) {
                        DecodeSimulation.Config c = config(profile, policy, seed, decodeSeconds).with(mode);
                        String k = key(name, mode, policy, seed);
                        runs.put(k, parallel.submit(stage, k, 1, () -> DecodeSimulation.run(c)));
                    }
                    for (Variant v : VARIANTS) {
                        DecodeSimulation.Config c = config(profile, PolicyRegistry.SBS, seed, decodeSeconds).with(mode)
                                .with(v.reading(), v.selection());
                        String k = key(name, mode, v.name(), seed);
                        runs.put(k, parallel.submit(stage, k, 1, () -> DecodeSimulation.run(c)));
                    }
                }
            }
        }
        Map<String, Object> headline = new LinkedHashMap<>();
        Map<String, Object> tables = new LinkedHashMap<>();
        report.append("## Decode by output-length knowledge\n\nClosed loop, batch about 35 per unit, ")
                .append(PaperSuite.fmt(decodeSeconds)).append(" measured virtual seconds after 60 s of warm-up, seeds ")
                .append(seeds).append("; figures are means over the seeds, spread is (max - min) / mean. ")
                .append("`oracle` hands the dispatcher each request's true output length (an upper bound no live ")
                .append("dispatcher reaches); `max-tokens` counts what the live dispatcher counts (the simulated ")
                .append("clients set no `max_tokens`, so the default 256); `predicted` counts the online predictor's ")
                .append("estimate. Round robin and least batch read no lengths: the same runs serve every mode.\n\n");
        for (OutputLengthKnowledge mode : MODES) {
            Map<String, Object> byProfile = new LinkedHashMap<>();
            for (String name : PROFILES) {
                List<String> rows = new ArrayList<>(PolicyRegistry.DECODE_BASELINES);
                VARIANTS.forEach(v -> rows.add(v.name()));
                Map<String, List<DecodeResult>> results = new LinkedHashMap<>();
                for (String policy : rows) {
                    List<DecodeResult> perSeed = new ArrayList<>();
                    for (long seed : seeds) {
                        perSeed.add(Parallel.get(runs.get(key(name, BLIND.contains(policy) ? null : mode, policy, seed))));
                    }
                    results.put(policy, perSeed);
                }
                String best = PolicyRegistry.DECODE_BASELINES.get(0);
                for (String b : PolicyRegistry.DECODE_BASELINES) {
                    if (mean(results.get(b), DecodeResult::throughputTps) > mean(results.get(best), DecodeResult::throughputTps)) {
                        best = b;
                    }
                }
                byProfile.put(name, headline(results, best));
                MarkdownTable table = new MarkdownTable(1, "policy", "decode placement", "tokens/s", "spread",
                        "TPOT mean ms", "TPOT p99 ms", "KV p10", "KV p50", "KV p90", "KV max");
                Map<String, Object> perPolicy = new LinkedHashMap<>();
                for (Map.Entry<String, List<DecodeResult>> e : results.entrySet()) {
                    List<DecodeResult> r = e.getValue();
                    table.row(e.getKey(), r.get(0).allocator(), mean(r, DecodeResult::throughputTps),
                            String.format(Locale.ROOT, "%.1f %%", 100 * spread(r)), mean(r, x -> x.tpotMs().mean()),
                            mean(r, x -> x.tpotMs().p99()), mean(r, x -> x.kvLoad().p10()), mean(r, x -> x.kvLoad().p50()),
                            mean(r, x -> x.kvLoad().p90()), mean(r, x -> x.kvLoad().max()));
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("allocator", r.get(0).allocator());
                    m.put("throughput_tps", PaperSuite.round(mean(r, DecodeResult::throughputTps)));
                    m.put("throughput_tps_by_seed", r.stream().map(x -> PaperSuite.round(x.throughputTps())).toList());
                    m.put("tpot_mean_ms", PaperSuite.round(mean(r, x -> x.tpotMs().mean())));
                    m.put("tpot_p99_ms", PaperSuite.round(mean(r, x -> x.tpotMs().p99())));
                    m.put("kv_p10", PaperSuite.round(mean(r, x -> x.kvLoad().p10())));
                    m.put("kv_p50", PaperSuite.round(mean(r, x -> x.kvLoad().p50())));
                    m.put("kv_p90", PaperSuite.round(mean(r, x -> x.kvLoad().p90())));
                    m.put("kv_max", PaperSuite.round(mean(r, x -> x.kvLoad().max())));
                    perPolicy.put(e.getKey(), m);
                }
                tables.put(mode.tag() + "/" + name, perPolicy);
                double gain = mean(results.get(PolicyRegistry.SBS), DecodeResult::throughputTps)
                        / mean(results.get(best), DecodeResult::throughputTps) - 1;
                report.append("### `").append(mode.tag()).append("`, profile `").append(name).append("`\n\nBest baseline: `")
                        .append(best).append("`; SBS ").append(String.format(Locale.ROOT, "%+.2f %%", 100 * gain))
                        .append(" throughput against it.\n\n").append(table.render()).append('\n');
            }
            headline.put(mode.tag(), byProfile);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("seeds", seeds);
        result.put("measured_seconds", decodeSeconds);
        result.put("runs", tables);
        result.put("headline", headline);
        return result;
    }

    /** The coupled P/D run's policies: every decode baseline, earliest finish time (prefill's strongest), SBS. */
    static final List<String> COUPLED_POLICIES = List.of(PolicyRegistry.SBS, PolicyRegistry.ROUND_ROBIN,
            PolicyRegistry.LEAST_OUTSTANDING_TOKENS, PolicyRegistry.LEAST_KV_TOKENS, PolicyRegistry.KV_BATCH_BALANCED,
            PolicyRegistry.STEP_COST_BALANCED, PolicyRegistry.EARLIEST_FINISH_TIME);
    /** Offered load of the coupled run, as a fraction of the prefill pool's token capacity with full passes. */
    static final double COUPLED_LOAD = 0.5;
    private static final double MEAN_PROMPT = 1024;
    private static final double MEAN_OUTPUT = 500;
    private static final int BATCH_PER_UNIT = 35;

    /**
     * The coupled run's shape for a profile: its prefill pool at {@link #COUPLED_LOAD} of its capacity with full
     * passes, and as many decode instances as keep about {@link #BATCH_PER_UNIT} requests per decode unit
     * at that rate (Little's law over the decode time of an average request at the step time such a batch
     * gives), so neither side idles while the other saturates.
     */
    record CoupledShape(EngineProfile profile, double qps, int decodeInstances) {

        static CoupledShape of(EngineProfile profile) {
            EngineProfile.Prefill p = profile.prefill();
            int units = p.instances() * p.dpUnits();
            double passMs = p.t0Ms() + p.bMaxMsPerToken() * p.unitChunkTokens()
                    + p.bSumMsPerToken() * p.unitChunkTokens() * p.dpUnits();
            double qps = COUPLED_LOAD * units * p.unitChunkTokens() / (passMs / 1000) / MEAN_PROMPT;
            EngineProfile.Decode d = profile.decode();
            double kvPerUnit = BATCH_PER_UNIT * (MEAN_PROMPT + MEAN_OUTPUT / 2);
            double stepMs = d.t0Ms() + d.kvMsPerKToken() * kvPerUnit / 1000 + d.batchMsPerRequest() * BATCH_PER_UNIT
                    + d.sharedMsPerRequest() * BATCH_PER_UNIT * d.dpUnits();
            double inFlight = qps * MEAN_OUTPUT * stepMs / 1000;
            int instances = (int) Math.max(1, Math.ceil(inFlight / (BATCH_PER_UNIT * d.dpUnits())));
            return new CoupledShape(profile, qps, instances);
        }
    }

    /**
     * The coupled P/D run: Poisson arrivals of the 0-3K prompt workload with decode-length outputs, every
     * request prefilled, its KV handed over, then decoded, the pairing chosen by the policy in one window;
     * the dispatcher counts {@code max-tokens} for output lengths. TTFT and TPOT per policy and profile,
     * means over the seeds.
     */
    Map<String, Object> coupled(Parallel parallel, StringBuilder report, Progress progress) {
        // --decode-seconds shortens the coupled runs in proportion (the bench's own tests use 10 s)
        double scale = Math.min(1, decodeSeconds / DEFAULT_DECODE_SECONDS);
        double measuredSeconds = COUPLED_SECONDS * scale;
        double warmupSeconds = COUPLED_WARMUP_S * scale;
        Map<String, Future<PrefillResult>> runs = new LinkedHashMap<>();
        Map<String, CoupledShape> shapes = new LinkedHashMap<>();
        Progress.Stage stage = progress.stage("coupled P/D", PROFILES.size() * seeds.size() * COUPLED_POLICIES.size());
        for (String name : PROFILES) {
            CoupledShape shape = CoupledShape.of(ProfileLoader.load(name));
            shapes.put(name, shape);
            EngineProfile profile = shape.profile().withDecode(
                    shape.profile().decode().withInstances(shape.decodeInstances(), shape.profile().decode().dpUnits()));
            for (long seed : seeds) {
                List<WorkloadRequest> workload = WorkloadGenerator.generate(new PoissonArrivals(shape.qps()),
                        PaperWorkloads.SHORT_PROMPTS, PaperWorkloads.DECODE_OUTPUTS,
                        (int) Math.round(shape.qps() * (warmupSeconds + measuredSeconds)), seed);
                for (String policy : COUPLED_POLICIES) {
                    PrefillSimulation.Config c = new PrefillSimulation.Config(profile, SchedulingPolicy.defaults(policy),
                            workload, seed, (long) (warmupSeconds * 1e9), PrefillRuns.PUSH_POLL_NANOS,
                            120_000_000_000L, Long.MAX_VALUE, List.of(), Signals.PUSH)
                            .with(new PrefillSimulation.Coupling(shape.decodeInstances(), OutputLengthKnowledge.MAX_TOKENS));
                    String k = name + "/" + policy + "/" + seed;
                    runs.put(k, parallel.submit(stage, k, 1, () -> PrefillSimulation.run(c)));
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        report.append("## Coupled P/D\n\nEach request prefilled, its KV handed over, then decoded; the policy picks the ")
                .append("prefill and the decode unit in one window, as the live dispatch loop does. Prompts 0-3K (mean 1K), ")
                .append("outputs as the decode experiment's (mean 500), Poisson arrivals at ")
                .append(PaperSuite.fmt(100 * COUPLED_LOAD)).append(" % of the prefill pool's full-pass capacity, ")
                .append(PaperSuite.fmt(measuredSeconds)).append(" s measured after ").append(PaperSuite.fmt(warmupSeconds))
                .append(" s, seeds ").append(seeds).append(", output lengths as `max-tokens`. TTFT: arrival to the ")
                .append("prefill's first token back at the dispatcher; TPOT: joining a decode batch to the last token, ")
                .append("per token; decode queue: the KV's arrival on its decode unit to joining the batch.\n\n");
        for (String name : PROFILES) {
            CoupledShape shape = shapes.get(name);
            MarkdownTable table = new MarkdownTable(2, "policy", "TTFT mean s", "TTFT p99 s", "TPOT mean ms",
                    "TPOT p99 ms", "decode queue mean ms", "completed");
            Map<String, Object> perPolicy = new LinkedHashMap<>();
            for (String policy : COUPLED_POLICIES) {
                List<PrefillResult> r = new ArrayList<>();
                for (long seed : seeds) {
                    r.add(Parallel.get(runs.get(name + "/" + policy + "/" + seed)));
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("ttft_mean_s", PaperSuite.round(PrefillRuns.mean(r, x -> x.ttft().mean())));
                m.put("ttft_p99_s", PaperSuite.round(PrefillRuns.mean(r, x -> x.ttft().p99())));
                m.put("tpot_mean_ms", PaperSuite.round(PrefillRuns.mean(r, x -> x.tpotMs().mean())));
                m.put("tpot_p99_ms", PaperSuite.round(PrefillRuns.mean(r, x -> x.tpotMs().p99())));
                m.put("decode_queue_mean_ms", PaperSuite.round(PrefillRuns.mean(r, x -> x.decodeQueueMs().mean())));
                m.put("completed", r.stream().mapToLong(PrefillResult::completed).sum());
                perPolicy.put(policy, m);
                table.row(policy, m.get("ttft_mean_s"), m.get("ttft_p99_s"), m.get("tpot_mean_ms"), m.get("tpot_p99_ms"),
                        m.get("decode_queue_mean_ms"), m.get("completed"));
            }
            String best = null;
            for (String policy : COUPLED_POLICIES) {
                if (!policy.equals(PolicyRegistry.SBS) && (best == null
                        || tpotP99(perPolicy, policy) < tpotP99(perPolicy, best))) {
                    best = policy;
                }
            }
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("qps", PaperSuite.round(shape.qps()));
            h.put("decode_instances", shape.decodeInstances());
            h.put("best_tpot_baseline", best);
            h.put("sbs_tpot_p99_ms", perPolicy.get(PolicyRegistry.SBS) instanceof Map<?, ?> m ? m.get("tpot_p99_ms") : null);
            h.put("baseline_tpot_p99_ms", tpotP99(perPolicy, best));
            h.put("sbs_tpot_p99_vs_best", PaperSuite.round(tpotP99(perPolicy, PolicyRegistry.SBS) / tpotP99(perPolicy, best) - 1));
            h.put("policies", perPolicy);
            result.put(name, h);
            report.append("### Profile `").append(name).append("`: ").append(PaperSuite.fmt(shape.qps())).append(" QPS, ")
                    .append(shape.profile().prefill().instances()).append(" prefill instances, ").append(shape.decodeInstances())
                    .append(" decode instances of DP").append(shape.profile().decode().dpUnits()).append("\n\n")
                    .append("SBS's TPOT p99 ").append(String.format(Locale.ROOT, "%+.2f %%",
                            100 * (tpotP99(perPolicy, PolicyRegistry.SBS) / tpotP99(perPolicy, best) - 1)))
                    .append(" against the best baseline's (`").append(best).append("`).\n\n").append(table.render()).append('\n');
        }
        return result;
    }

    private static double tpotP99(Map<String, Object> perPolicy, String policy) {
        return ((Number) ((Map<?, ?>) perPolicy.get(policy)).get("tpot_p99_ms")).doubleValue();
    }

    private Map<String, Object> headline(Map<String, List<DecodeResult>> results, String best) {
        List<DecodeResult> sbs = results.get(PolicyRegistry.SBS);
        List<DecodeResult> base = results.get(best);
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("sbs_throughput_tps", PaperSuite.round(mean(sbs, DecodeResult::throughputTps)));
        h.put("best_baseline", best);
        h.put("best_baseline_throughput_tps", PaperSuite.round(mean(base, DecodeResult::throughputTps)));
        putKvBand(h, "sbs_", sbs);
        putKvBand(h, "baseline_", base);
        h.put("sbs_tpot_p99_ms", PaperSuite.round(mean(sbs, r -> r.tpotMs().p99())));
        h.put("baseline_tpot_p99_ms", PaperSuite.round(mean(base, r -> r.tpotMs().p99())));
        h.put("seeds", seeds);
        h.put("throughput_spread", PaperSuite.round(spread(sbs)));
        h.put("baseline_throughput_spread", PaperSuite.round(spread(base)));
        List<Double> gains = new ArrayList<>();
        for (int i = 0; i < sbs.size(); i++) {
            gains.add(sbs.get(i).throughputTps() / base.get(i).throughputTps() - 1);
        }
        h.put("sbs_gain_by_seed", gains.stream().map(PaperSuite::round).toList());
        for (Variant v : VARIANTS.subList(1, VARIANTS.size())) {
            List<DecodeResult> r = results.get(v.name());
            String k = v.name().replace("sbs-", "sbs_").replace('-', '_');
            h.put(k + "_throughput_tps", PaperSuite.round(mean(r, DecodeResult::throughputTps)));
            putKvBand(h, k + "_", r);
        }
        return h;
    }

    /** {@code <prefix>kv_p10}, {@code kv_p90} and {@code kv_max}: the KV band per unit, means over the seeds. */
    private static void putKvBand(Map<String, Object> into, String prefix, List<DecodeResult> runs) {
        into.put(prefix + "kv_p10", PaperSuite.round(mean(runs, r -> r.kvLoad().p10())));
        into.put(prefix + "kv_p90", PaperSuite.round(mean(runs, r -> r.kvLoad().p90())));
        into.put(prefix + "kv_max", PaperSuite.round(mean(runs, r -> r.kvLoad().max())));
    }

    private static String key(String profile, OutputLengthKnowledge mode, String policy, long seed) {
        return profile + "/" + (mode == null ? "any" : mode.tag()) + "/" + policy + "/" + seed;
    }

    static double mean(List<DecodeResult> runs, ToDoubleFunction<DecodeResult> f) {
        return runs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    /** (max - min) / mean of the throughput over the seeds. */
    static double spread(List<DecodeResult> runs) {
        double max = runs.stream().mapToDouble(DecodeResult::throughputTps).max().orElse(0);
        double min = runs.stream().mapToDouble(DecodeResult::throughputTps).min().orElse(0);
        double mean = mean(runs, DecodeResult::throughputTps);
        return mean > 0 ? (max - min) / mean : 0;
    }
}
