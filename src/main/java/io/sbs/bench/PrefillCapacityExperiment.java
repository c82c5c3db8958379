package io.sbs.bench;

import static io.sbs.bench.PaperSuite.BASELINES;
import static io.sbs.bench.PaperSuite.fmt;
import static io.sbs.bench.PaperSuite.round;

import io.sbs.bench.io.Plots;
import io.sbs.cli.Progress;
import io.sbs.core.PolicyRegistry;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.workload.PaperWorkloads;
import io.sbs.tools.MarkdownTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * The second experiment of {@link PaperSuite}, prefill capacity on {@code paper} with chunks 3072 and 5120: the
 * highest QPS under a sweep of mean-TTFT SLOs, with chunk utilization, the best baseline vs SBS (and earliest
 * finish time).
 */
final class PrefillCapacityExperiment {

    /** Chunk → SLO sweep of the capacity experiment, and the SLO the headline names. */
    static final Map<Integer, List<Double>> CAPACITY_SLOS = Map.of(
            3072, List.of(0.3, 0.35, 0.4, 0.5, 0.6),
            5120, List.of(0.4, 0.45, 0.5, 0.6, 0.8));
    static final Map<Integer, Double> NAMED_SLO = Map.of(3072, 0.4, 5120, 0.5);

    private final PaperSuite.Settings settings;

    PrefillCapacityExperiment(PaperSuite.Settings settings) {
        this.settings = settings;
    }

    Map<String, Object> run(Parallel parallel, StringBuilder report) {
        EngineProfile base = settings.load("paper");
        List<String> policies = new ArrayList<>(BASELINES);
        policies.add(PolicyRegistry.SBS);
        policies.add(PolicyRegistry.EARLIEST_FINISH_TIME);
        Map<String, Future<PrefillRuns.MaxQps>> pending = new LinkedHashMap<>();
        Progress.Stage stage = settings.progress().stage("prefill capacity, profile paper", CAPACITY_SLOS.values().stream()
                .mapToInt(List::size).sum() * policies.size());
        for (int chunk : List.of(3072, 5120)) {
            EngineProfile profile = base.withPrefill(base.prefill().withChunkTokens(chunk));
            PrefillRuns runs = new PrefillRuns(profile, PaperWorkloads.SHORT_PROMPTS, PaperWorkloads.PREFILL_OUTPUTS,
                    settings.seconds(), 10, settings.seeds(), settings.signals());
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
            Plots.lineChart(settings.out().resolve("max_qps_vs_slo_chunk" + chunk + ".png"),
                    "Max QPS under a mean-TTFT SLO, chunk " + chunk, "mean-TTFT SLO (s)", "max QPS", series);
            result.put(String.valueOf(chunk), perSlo);
            report.append("### Chunk ").append(chunk).append(" (headline at SLO ").append(fmt(NAMED_SLO.get(chunk)))
                    .append(" s)\n\n").append(table.render()).append("\n![max QPS vs SLO](max_qps_vs_slo_chunk")
                    .append(chunk).append(".png)\n\n");
        }
        result.put("headline", headline);
        return result;
    }
}
