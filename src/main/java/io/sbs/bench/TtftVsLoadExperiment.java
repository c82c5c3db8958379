package io.sbs.bench;

import static io.sbs.bench.PaperSuite.BASELINES;
import static io.sbs.bench.PaperSuite.fmt;
import static io.sbs.bench.PaperSuite.loadKey;
import static io.sbs.bench.PaperSuite.round;

import io.sbs.bench.io.Plots;
import io.sbs.cli.Progress;
import io.sbs.core.PolicyRegistry;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.PrefillResult;
import io.sbs.sim.workload.LengthDistribution;
import io.sbs.sim.workload.PaperWorkloads;
import io.sbs.tools.MarkdownTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * The first experiment of {@link PaperSuite}, TTFT vs load on one profile: the best immediate baseline's peak
 * QPS under the profile's mean-TTFT SLO, then every policy at 40, 60, 80 and 100% of it.
 */
final class TtftVsLoadExperiment {

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

    /** A peak-QPS search's work in load points: its bisection to 1% runs about seven. */
    private static final double PEAK_SEARCH_WORK = 7;

    private final PaperSuite.Settings settings;

    TtftVsLoadExperiment(PaperSuite.Settings settings) {
        this.settings = settings;
    }

    Map<String, Object> run(Setup setup, Parallel parallel, StringBuilder report) {
        EngineProfile profile = settings.load(setup.profile());
        PrefillRuns runs = new PrefillRuns(profile, setup.prompts(), PaperWorkloads.PREFILL_OUTPUTS, settings.seconds(), 10, settings.seeds(),
                settings.signals());
        double upper = runs.capacityQps(setup.prompts().mean()) * 1.2;
        Progress.Stage stage = settings.progress().stage("TTFT vs load, profile " + setup.profile(),
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
        Plots.lineChart(settings.out().resolve("ttft_vs_load_" + setup.profile() + ".png"),
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

    private static String key(double load, String policy) {
        return load + "/" + policy;
    }
}
