package io.sbs.bench;

import static io.sbs.bench.PaperSuite.fmt;
import static io.sbs.bench.PaperSuite.round;

import io.sbs.bench.io.Plots;
import io.sbs.cli.Progress;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.PolicyRegistry;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.DecodeResult;
import io.sbs.sim.DecodeSimulation;
import io.sbs.sim.EngineProfile;
import io.sbs.tools.MarkdownTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * The third experiment of {@link PaperSuite}, decode on {@code paper}: DP32, batch about 35, prompt + output
 * about 2.5K, closed loop; throughput and the KV load per unit over time, the better of round robin and least
 * batch vs SBS, with the output lengths the live dispatcher knows ({@code max-tokens}).
 */
final class PaperDecodeExperiment {

    private final PaperSuite.Settings settings;

    PaperDecodeExperiment(PaperSuite.Settings settings) {
        this.settings = settings;
    }

    Map<String, Object> run(Parallel parallel, StringBuilder report) {
        EngineProfile profile = ProfileLoader.load("paper");
        int concurrency = 35 * profile.decode().dpUnits() * profile.decode().instances();
        List<String> policies = List.of(PolicyRegistry.ROUND_ROBIN, PolicyRegistry.LEAST_OUTSTANDING_TOKENS,
                PolicyRegistry.SBS);
        Progress.Stage stage = settings.progress().stage("decode, profile paper", policies.size());
        List<Future<DecodeResult>> tasks = new ArrayList<>();
        for (String policy : policies) {
            // what the live dispatcher knows of output lengths (issue 16); decode_by_knowledge has the oracle's figures
            tasks.add(parallel.submit(stage, "policy " + policy, 1, () -> DecodeSimulation.run(DecodeSuite.config(profile,
                    policy, settings.seeds().get(0), settings.decodeSeconds()).with(OutputLengthKnowledge.MAX_TOKENS))));
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
        Plots.bandChart(settings.out().resolve("decode_kv_band.png"), "Decode KV load per DP unit over time (DP "
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
                .append(" requests (batch about 35 per unit), ").append(fmt(settings.decodeSeconds()))
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
}
