package io.sbs.bench;

import io.sbs.bench.io.Plots;
import io.sbs.cli.Progress;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.DecodeResult;
import io.sbs.sim.DecodeSimulation;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.PrefillResult;
import io.sbs.sim.Signals;
import io.sbs.sim.workload.LengthDistribution;
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

/**
 * {@code app/bench paper}: the paper's experiments (section 5) in the simulator, every policy in the same
 * run on the same seeds.
 *
 * <ol>
 *   <li>TTFT vs load per profile: the best immediate baseline's (of round robin, least outstanding
 *       tokens, least-loaded instance) peak QPS under the profile's mean-TTFT SLO, then every policy at
 *       40, 60, 80 and 100% of it.</li>
 *   <li>Prefill capacity on {@code paper} with chunks 3072 and 5120: the highest QPS under a sweep of
 *       mean-TTFT SLOs, with chunk utilization, baseline vs SBS (and earliest finish time).</li>
 *   <li>Decode: DP32, batch about 35, prompt + output about 2.5K, closed loop: throughput and the KV load
 *       per unit over time, the better of round robin and least batch vs SBS, with the output lengths the
 *       live dispatcher knows; then {@link DecodeSuite}: every decode baseline (KV-aware ones too) on
 *       {@code paper} and {@code divided}, three seeds, by output-length knowledge, and the coupled P/D run.</li>
 * </ol>
 */
final class PaperSuite {

    static final List<String> BASELINES = List.of(PolicyRegistry.ROUND_ROBIN,
            PolicyRegistry.LEAST_OUTSTANDING_TOKENS, PolicyRegistry.LEAST_LOADED_INSTANCE);
    static final List<String> POLICIES = List.of(PolicyRegistry.SBS, PolicyRegistry.ROUND_ROBIN,
            PolicyRegistry.LEAST_OUTSTANDING_TOKENS, PolicyRegistry.LEAST_LOADED_INSTANCE,
            PolicyRegistry.POWER_OF_TWO, PolicyRegistry.EARLIEST_FINISH_TIME);
    static final List<Double> LOADS = List.of(0.4, 0.6, 0.8, 1.0);

    /** One profile's TTFT-vs-load setup: its workload and the SLO its baseline peak is found under. */
    record Setup(String profile, LengthDistribution prompts, double slo) {
    }

    static final List<Setup> SETUPS = List.of(
            new Setup("paper", PaperWorkloads.SHORT_PROMPTS, 0.4),
            new Setup("divided", PaperWorkloads.SHORT_PROMPTS, 0.15),
            new Setup("long", PaperWorkloads.LONG_PROMPTS, 2.0));

    /** Chunk → SLO sweep of the capacity experiment, and the SLO the headline names. */
    static final Map<Integer, List<Double>> CAPACITY_SLOS = Map.of(
            3072, List.of(0.3, 0.35, 0.4, 0.5, 0.6),
            5120, List.of(0.4, 0.45, 0.5, 0.6, 0.8));
    static final Map<Integer, Double> NAMED_SLO = Map.of(3072, 0.4, 5120, 0.5);

    /** The experiments {@link #run} reports progress of: TTFT vs load per setup, capacity, decode, and the decode suite's two. */
    static final int EXPERIMENTS = SETUPS.size() + 4;
    /** A peak-QPS search's work in load points: its bisection to 1% runs about seven. */
    private static final double PEAK_SEARCH_WORK = 7;

    private final Path out;
    private final List<Long> seeds;
    private final double seconds;
    private final double decodeSeconds;
    private final int prefillInstances;
    private final Signals signals;
    private final Progress progress;

    /**
     * @param prefillInstances when positive, overrides the number of prefill instances of every profile
     *                         (a sensitivity study of the cluster size {@code N}); 0 keeps the profiles'
     * @param signals          what the simulated engines tell the dispatcher: EndForward pushes (the paper's
     *                         setting) or only what stock engines give
     * @param progress         where each experiment's progress shows
     */
    PaperSuite(Path out, List<Long> seeds, double seconds, double decodeSeconds, int prefillInstances, Signals signals,
            Progress progress) {
        this.out = out;
        this.seeds = seeds;
        this.seconds = seconds;
        this.decodeSeconds = decodeSeconds;
        this.prefillInstances = prefillInstances;
        this.signals = signals;
        this.progress = progress;
    }

    private EngineProfile load(String name) {
        EngineProfile p = ProfileLoader.load(name);
        return prefillInstances > 0 ? p.withPrefill(p.prefill().withInstances(prefillInstances, p.prefill().dpUnits())) : p;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> run() {
        long started = System.nanoTime();
        Map<String, Object> summary = new LinkedHashMap<>();
        Map<String, Object> headline = new LinkedHashMap<>();
        StringBuilder report = new StringBuilder("# SBS paper benchmark\n\n");
        report.append("Command: `app/bench paper --signals ").append(signals.tag()).append(" --out ").append(out)
                .append(prefillInstances > 0 ? " --prefill-instances " + prefillInstances : "").append("`; seeds ").append(seeds)
                .append(", ").append(fmt(seconds)).append(" measured virtual seconds per point. Signals: ")
                .append(signals == Signals.PUSH ? "the engines push EndForward after every pass (the paper's setting)"
                        : "as stock SGLang and vLLM, no EndForward: first tokens and load polls every "
                                + PrefillRuns.pollNanos(signals) / 1_000_000 + " ms")
                .append(".\n\n");
        try (Parallel parallel = new Parallel()) {
            Map<String, Object> profiles = new LinkedHashMap<>();
            for (Setup setup : SETUPS) {
                Map<String, Object> p = ttftVsLoad(setup, parallel, report);
                profiles.put(setup.profile(), p);
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("ttft_reduction_by_load", p.get("reduction_vs_best_baseline"));
                h.put("ttft_reduction_vs_eft_by_load", p.get("reduction_vs_eft"));
                headline.put(setup.profile(), h);
            }
            summary.put("ttft_vs_load", profiles);

            Map<String, Object> capacity = prefillCapacity(parallel, report);
            summary.put("prefill_capacity", capacity);
            @SuppressWarnings("unchecked")
            Map<String, Object> paperHeadline = (Map<String, Object>) headline.get("paper");
            paperHeadline.put("prefill", capacity.get("headline"));

            Map<String, Object> decode = decode(parallel, report);
            summary.put("decode", decode);
            headline.put("decode", decode.get("headline"));

            DecodeSuite decodeSuite = new DecodeSuite(DecodeSuite.threeSeeds(seeds), decodeSeconds);
            Map<String, Object> byKnowledge = decodeSuite.run(parallel, report, progress);
            summary.put("decode_by_knowledge", byKnowledge);
            headline.put("decode_by_knowledge", byKnowledge.get("headline"));
            Map<String, Object> coupled = decodeSuite.coupled(parallel, report, progress);
            summary.put("coupled_pd", coupled);
            Map<String, Object> coupledHeadline = new LinkedHashMap<>();
            coupled.forEach((profile, h) -> {
                Map<String, Object> brief = new LinkedHashMap<>((Map<String, Object>) h);
                brief.remove("policies");
                coupledHeadline.put(profile, brief);
            });
            headline.put("coupled_pd", coupledHeadline);
        }
        double wall = (System.nanoTime() - started) / 1e9;
        headline.put("signals", signals.tag());
        headline.put("wall_seconds", Math.round(wall * 10) / 10.0);
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("suite", "paper");
        ordered.put("signals", signals.tag());
        ordered.put("seeds", seeds);
        ordered.put("measured_seconds_per_point", seconds);
        if (prefillInstances > 0) {
            ordered.put("prefill_instances_override", prefillInstances);
        }
        ordered.put("headline", headline);
        ordered.putAll(summary);
        report.append("\nWall time: ").append(fmt(wall)).append(" s.\n");
        ReportWriter.writeJson(out.resolve("summary.json"), ordered);
        ReportWriter.writeText(out.resolve("report.md"), report.toString());
        return ordered;
    }

    private Map<String, Object> ttftVsLoad(Setup setup, Parallel parallel, StringBuilder report) {
        EngineProfile profile = load(setup.profile());
        PrefillRuns runs = new PrefillRuns(profile, setup.prompts(), PaperWorkloads.PREFILL_OUTPUTS, seconds, 10, seeds,
                signals);
        double upper = runs.capacityQps(setup.prompts().mean()) * 1.2;
        Progress.Stage stage = progress.stage("TTFT vs load, profile " + setup.profile(),
                BASELINES.size() + LOADS.size() * POLICIES.size(),
                BASELINES.size() * PEAK_SEARCH_WORK + LOADS.size() * POLICIES.size());
        List<Future<PrefillRuns.MaxQps>> peaks = new ArrayList<>();
        for (String b : BASELINES) {
            peaks.add(parallel.submit(stage, "peak QPS of " + b, PEAK_SEARCH_WORK, () -> runs.maxQps(b, setup.slo(), upper)));
        }
        List<PrefillRuns.MaxQps> found = peaks.stream().map(Parallel::get).toList();
        PrefillRuns.MaxQps best = found.get(0);
        for (PrefillRuns.MaxQps m : found) {
            if (m.qps() > best.qps()) {
                best = m;
            }
        }
        double peak = best.qps();
        Map<String, Future<List<PrefillResult>>> pending = new LinkedHashMap<>();
        for (double load : LOADS) {
            for (String policy : POLICIES) {
                pending.put(key(load, policy), parallel.submit(stage, "load " + loadKey(load) + ", policy " + policy, 1,
                        () -> runs.run(policy, load * peak, 10 * setup.slo() + 5)));
            }
        }
        Map<String, Object> loads = new LinkedHashMap<>();
        Map<String, Object> reductions = new LinkedHashMap<>();
        Map<String, Object> reductionsEft = new LinkedHashMap<>();
        Map<String, double[][]> series = new LinkedHashMap<>();
        MarkdownTable table = new MarkdownTable(3, "load", "QPS", "policy", "mean TTFT s", "p99 TTFT s",
                "scheduler queue s", "device queue s", "chunk util");
        for (String policy : POLICIES) {
            series.put(policy, new double[2][LOADS.size()]);
        }
        for (int li = 0; li < LOADS.size(); li++) {
            double load = LOADS.get(li);
            Map<String, Object> perPolicy = new LinkedHashMap<>();
            Map<String, Double> ttft = new LinkedHashMap<>();
            for (String policy : POLICIES) {
                List<PrefillResult> r = Parallel.get(pending.get(key(load, policy)));
                double mean = PrefillRuns.meanTtft(r);
                ttft.put(policy, mean);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("ttft_mean_s", round(mean));
                m.put("ttft_p99_s", round(PrefillRuns.mean(r, x -> x.ttft().p99())));
                m.put("scheduler_queue_mean_s", round(PrefillRuns.mean(r, x -> x.schedulerQueue().mean())));
                m.put("device_queue_mean_s", round(PrefillRuns.mean(r, x -> x.deviceQueue().mean())));
                m.put("chunk_util", round(PrefillRuns.mean(r, PrefillResult::chunkUtilization)));
                m.put("completed", r.stream().mapToInt(PrefillResult::completed).sum());
                perPolicy.put(policy, m);
                series.get(policy)[0][li] = load;
                series.get(policy)[1][li] = Double.isFinite(mean) ? mean : Double.NaN;
                table.row(loadKey(load), fmt(load * peak), policy, mean, (Double) m.get("ttft_p99_s"),
                        (Double) m.get("scheduler_queue_mean_s"), (Double) m.get("device_queue_mean_s"),
                        (Double) m.get("chunk_util"));
            }
            double bestBaseline = Double.POSITIVE_INFINITY;
            for (String b : BASELINES) {
                bestBaseline = Math.min(bestBaseline, ttft.get(b));
            }
            double sbs = ttft.get(PolicyRegistry.SBS);
            reductions.put(loadKey(load), round(1 - sbs / bestBaseline));
            reductionsEft.put(loadKey(load), round(1 - sbs / ttft.get(PolicyRegistry.EARLIEST_FINISH_TIME)));
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("qps", round(load * peak));
            point.put("policies", perPolicy);
            loads.put(loadKey(load), point);
        }
        Plots.lineChart(out.resolve("ttft_vs_load_" + setup.profile() + ".png"),
                "Mean TTFT vs load, profile " + setup.profile() + " (peak " + fmt(peak) + " QPS = 1.0)",
                "load (fraction of the best baseline's peak QPS)", "mean TTFT (s)", series);

        report.append("## TTFT vs load, profile `").append(setup.profile()).append("`\n\n");
        report.append(profile.description()).append("\n\n");
        report.append("Best immediate baseline: `").append(best.policy()).append("`, peak ").append(fmt(peak))
                .append(" QPS under a mean-TTFT SLO of ").append(fmt(setup.slo())).append(" s (peaks: ");
        for (PrefillRuns.MaxQps m : found) {
            report.append('`').append(m.policy()).append("` ").append(fmt(m.qps())).append("; ");
        }
        report.setLength(report.length() - 2);
        report.append(").\n\n");
        report.append("SBS mean-TTFT reduction vs the best of round robin, least outstanding tokens and least-loaded "
                + "instance: ").append(reductions).append("; vs earliest finish time: ").append(reductionsEft)
                .append(".\n\n");
        report.append(table.render()).append("\n![TTFT vs load](ttft_vs_load_").append(setup.profile())
                .append(".png)\n\n");

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("slo_s", setup.slo());
        result.put("best_baseline", best.policy());
        result.put("peak_qps", round(peak));
        Map<String, Object> peakMap = new LinkedHashMap<>();
        for (PrefillRuns.MaxQps m : found) {
            peakMap.put(m.policy(), round(m.qps()));
        }
        result.put("baseline_peaks_qps", peakMap);
        result.put("reduction_vs_best_baseline", reductions);
        result.put("reduction_vs_eft", reductionsEft);
        result.put("loads", loads);
        return result;
    }

    private Map<String, Object> prefillCapacity(Parallel parallel, StringBuilder report) {
        EngineProfile base = load("paper");
        List<String> policies = new ArrayList<>(BASELINES);
        policies.add(PolicyRegistry.SBS);
        policies.add(PolicyRegistry.EARLIEST_FINISH_TIME);
        Map<String, Future<PrefillRuns.MaxQps>> pending = new LinkedHashMap<>();
        Progress.Stage stage = progress.stage("prefill capacity, profile paper", CAPACITY_SLOS.values().stream()
                .mapToInt(List::size).sum() * policies.size());
        for (int chunk : List.of(3072, 5120)) {
            EngineProfile profile = base.withPrefill(base.prefill().withChunkTokens(chunk));
            PrefillRuns runs = new PrefillRuns(profile, PaperWorkloads.SHORT_PROMPTS, PaperWorkloads.PREFILL_OUTPUTS,
                    seconds, 10, seeds, signals);
            double upper = runs.capacityQps(PaperWorkloads.SHORT_PROMPTS.mean()) * 1.2;
            for (double slo : CAPACITY_SLOS.get(chunk)) {
                for (String policy : policies) {
                    pending.put(chunk + "/" + slo + "/" + policy, parallel.submit(stage, "chunk " + chunk + ", SLO " + slo
                            + " s, policy " + policy, 1, () -> runs.maxQps(policy, slo, upper)));
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Object> headline = new LinkedHashMap<>();
        report.append("## Prefill capacity, profile `paper`\n\n");
        report.append("Highest QPS whose mean TTFT stays within the SLO (bisection to 1%), and the mean chunk "
                + "utilization at that QPS. *baseline* is the best of round robin, least outstanding tokens and "
                + "least-loaded instance.\n\n");
        for (int chunk : List.of(3072, 5120)) {
            MarkdownTable table = new MarkdownTable(3, "SLO s", "baseline QPS", "baseline", "baseline util",
                    "SBS QPS", "SBS util", "SBS gain", "EFT QPS", "EFT util");
            Map<String, Object> perSlo = new LinkedHashMap<>();
            double[][] baseSeries = new double[2][CAPACITY_SLOS.get(chunk).size()];
            double[][] sbsSeries = new double[2][CAPACITY_SLOS.get(chunk).size()];
            double[][] eftSeries = new double[2][CAPACITY_SLOS.get(chunk).size()];
            int i = 0;
            for (double slo : CAPACITY_SLOS.get(chunk)) {
                PrefillRuns.MaxQps bestBase = null;
                for (String b : BASELINES) {
                    PrefillRuns.MaxQps m = Parallel.get(pending.get(chunk + "/" + slo + "/" + b));
                    if (bestBase == null || m.qps() > bestBase.qps()) {
                        bestBase = m;
                    }
                }
                PrefillRuns.MaxQps sbs = Parallel.get(pending.get(chunk + "/" + slo + "/" + PolicyRegistry.SBS));
                PrefillRuns.MaxQps eft = Parallel.get(pending.get(chunk + "/" + slo + "/" + PolicyRegistry.EARLIEST_FINISH_TIME));
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("baseline_policy", bestBase.policy());
                row.put("baseline_max_qps", round(bestBase.qps()));
                row.put("baseline_chunk_util", round(bestBase.chunkUtilization()));
                row.put("sbs_max_qps", round(sbs.qps()));
                row.put("sbs_chunk_util", round(sbs.chunkUtilization()));
                row.put("eft_max_qps", round(eft.qps()));
                row.put("eft_chunk_util", round(eft.chunkUtilization()));
                perSlo.put(fmt(slo), row);
                table.row(String.format(Locale.ROOT, "%.2f", slo), bestBase.qps(), bestBase.policy(), bestBase.chunkUtilization(), sbs.qps(),
                        sbs.chunkUtilization(), String.format(Locale.ROOT, "%+.1f%%", 100 * (sbs.qps() / bestBase.qps() - 1)),
                        eft.qps(), eft.chunkUtilization());
                baseSeries[0][i] = slo;
                baseSeries[1][i] = bestBase.qps();
                sbsSeries[0][i] = slo;
                sbsSeries[1][i] = sbs.qps();
                eftSeries[0][i] = slo;
                eftSeries[1][i] = eft.qps();
                i++;
                if (slo == NAMED_SLO.get(chunk)) {
                    Map<String, Object> h = new LinkedHashMap<>();
                    h.put("slo_s", slo);
                    h.put("baseline_max_qps", round(bestBase.qps()));
                    h.put("sbs_max_qps", round(sbs.qps()));
                    h.put("baseline_chunk_util", round(bestBase.chunkUtilization()));
                    h.put("sbs_chunk_util", round(sbs.chunkUtilization()));
                    h.put("eft_max_qps", round(eft.qps()));
                    h.put("eft_chunk_util", round(eft.chunkUtilization()));
                    headline.put(String.valueOf(chunk), h);
                }
            }
            Map<String, double[][]> series = new LinkedHashMap<>();
            series.put("best baseline", baseSeries);
            series.put(PolicyRegistry.SBS, sbsSeries);
            series.put(PolicyRegistry.EARLIEST_FINISH_TIME, eftSeries);
            Plots.lineChart(out.resolve("max_qps_vs_slo_chunk" + chunk + ".png"),
                    "Max QPS under a mean-TTFT SLO, chunk " + chunk, "mean-TTFT SLO (s)", "max QPS", series);
            result.put(String.valueOf(chunk), perSlo);
            report.append("### Chunk ").append(chunk).append(" (headline at SLO ").append(fmt(NAMED_SLO.get(chunk)))
                    .append(" s)\n\n").append(table.render()).append("\n![max QPS vs SLO](max_qps_vs_slo_chunk")
                    .append(chunk).append(".png)\n\n");
        }
        result.put("headline", headline);
        return result;
    }

    private Map<String, Object> decode(Parallel parallel, StringBuilder report) {
        EngineProfile profile = ProfileLoader.load("paper");
        int concurrency = 35 * profile.decode().dpUnits() * profile.decode().instances();
        List<String> policies = List.of(PolicyRegistry.ROUND_ROBIN, PolicyRegistry.LEAST_OUTSTANDING_TOKENS,
                PolicyRegistry.SBS);
        Progress.Stage stage = progress.stage("decode, profile paper", policies.size());
        List<Future<DecodeResult>> tasks = new ArrayList<>();
        for (String policy : policies) {
            // what the live dispatcher knows of output lengths (issue 16); decode_by_knowledge has the oracle's figures
            tasks.add(parallel.submit(stage, "policy " + policy, 1, () -> DecodeSimulation.run(DecodeSuite.config(profile,
                    policy, seeds.get(0), decodeSeconds).with(OutputLengthKnowledge.MAX_TOKENS))));
        }
        List<DecodeResult> results = tasks.stream().map(Parallel::get).toList();
        DecodeResult baseline = results.get(0).throughputTps() >= results.get(1).throughputTps() ? results.get(0) : results.get(1);
        DecodeResult sbs = results.get(2);
        MarkdownTable table = new MarkdownTable(1, "policy", "decode placement", "throughput tok/s", "TPOT ms",
                "step ms", "KV p10", "KV p50", "KV p90", "KV max");
        Map<String, Object> perPolicy = new LinkedHashMap<>();
        Map<String, Plots.Band> band = new LinkedHashMap<>();
        for (DecodeResult r : results) {
            table.row(r.policy(), r.allocator(), r.throughputTps(), r.tpotMs().mean(), r.stepMs().mean(),
                    r.kvLoad().p10(), r.kvLoad().p50(), r.kvLoad().p90(), r.kvLoad().max());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("allocator", r.allocator());
            m.put("throughput_tps", round(r.throughputTps()));
            m.put("tpot_mean_ms", round(r.tpotMs().mean()));
            m.put("kv_p10", round(r.kvLoad().p10()));
            m.put("kv_p50", round(r.kvLoad().p50()));
            m.put("kv_p90", round(r.kvLoad().p90()));
            m.put("kv_max", round(r.kvLoad().max()));
            perPolicy.put(r.allocator(), m);
        }
        for (DecodeResult r : List.of(baseline, sbs)) {
            int n = r.kvSeries().size();
            double[] times = new double[n];
            double[] p10 = new double[n];
            double[] p90 = new double[n];
            double[] max = new double[n];
            for (int i = 0; i < n; i++) {
                double[] s = r.kvSeries().get(i);
                times[i] = s[0];
                p10[i] = s[1];
                p90[i] = s[3];
                max[i] = s[4];
            }
            band.put(r.allocator(), new Plots.Band(times, p10, p90, max));
        }
        Plots.bandChart(out.resolve("decode_kv_band.png"), "Decode KV load per DP unit over time (DP "
                + profile.decode().dpUnits() + "): p10-p90 band and max", "time (s)", "KV tokens per unit", band);
        Map<String, Object> headline = new LinkedHashMap<>();
        headline.put("knowledge", OutputLengthKnowledge.MAX_TOKENS.tag());
        headline.put("baseline_throughput_tps", round(baseline.throughputTps()));
        headline.put("sbs_throughput_tps", round(sbs.throughputTps()));
        headline.put("baseline_kv_p10", round(baseline.kvLoad().p10()));
        headline.put("baseline_kv_p90", round(baseline.kvLoad().p90()));
        headline.put("baseline_kv_max", round(baseline.kvLoad().max()));
        headline.put("sbs_kv_p10", round(sbs.kvLoad().p10()));
        headline.put("sbs_kv_p90", round(sbs.kvLoad().p90()));
        headline.put("sbs_kv_max", round(sbs.kvLoad().max()));
        report.append("## Decode, profile `paper`\n\nClosed loop of ").append(concurrency)
                .append(" requests (batch about 35 per unit), ").append(fmt(decodeSeconds))
                .append(" measured virtual seconds, output lengths as the live dispatcher counts them (`max-tokens`). ")
                .append("Baseline: the better of round robin and least batch (`")
                .append(baseline.allocator()).append("`). Throughput ")
                .append(String.format(Locale.ROOT, "%+.1f%%", 100 * (sbs.throughputTps() / baseline.throughputTps() - 1)))
                .append(" for SBS (").append(sbs.allocator()).append(").\n\n").append(table.render())
                .append("\n![KV band](decode_kv_band.png)\n");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("concurrency", concurrency);
        result.put("baseline_allocator", baseline.allocator());
        result.put("policies", perPolicy);
        result.put("headline", headline);
        return result;
    }

    private static String key(double load, String policy) {
        return load + "/" + policy;
    }

    static String loadKey(double load) {
        return String.format(Locale.ROOT, "%.1f", load);
    }

    static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10_000) / 10_000.0 : v;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, v == Math.rint(v) && Math.abs(v) < 1e9 ? "%.0f" : "%.3g", v);
    }
}
