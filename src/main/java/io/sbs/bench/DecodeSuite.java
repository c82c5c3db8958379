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
import io.sbs.sim.workload.PaperWorkloads;
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
 * coupled P/D run ({@link CoupledSuite}). The KV-blind baselines do not read output lengths, so they run once per
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
            Map<String, Object> coupled = new CoupledSuite(seeds, decodeSeconds).run(parallel, report, progress);
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
