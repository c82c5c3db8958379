package io.sbs.bench;

import io.sbs.cli.Progress;
import io.sbs.core.PolicyRegistry;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.Signals;
import io.sbs.tools.ReportWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code app/bench paper}: the paper's experiments (section 5) in the simulator, every policy in the same
 * run on the same seeds.
 *
 * <ol>
 *   <li>TTFT vs load per profile ({@link TtftVsLoadExperiment}): the best immediate baseline's (of round
 *       robin, least outstanding tokens, least-loaded instance) peak QPS under the profile's mean-TTFT SLO,
 *       then every policy at 40, 60, 80 and 100% of it.</li>
 *   <li>Prefill capacity on {@code paper} with chunks 3072 and 5120 ({@link PrefillCapacityExperiment}): the
 *       highest QPS under a sweep of mean-TTFT SLOs, with chunk utilization, baseline vs SBS (and earliest
 *       finish time).</li>
 *   <li>Decode ({@link PaperDecodeExperiment}): DP32, batch about 35, prompt + output about 2.5K, closed loop:
 *       throughput and the KV load per unit over time, the better of round robin and least batch vs SBS, with
 *       the output lengths the live dispatcher knows; then {@link DecodeSuite}: every decode baseline
 *       (KV-aware ones too) on {@code paper} and {@code divided}, three seeds, by output-length knowledge, and
 *       the coupled P/D run ({@link CoupledSuite}).</li>
 * </ol>
 *
 * <p>This class runs them in order and writes the headline, the summary and the report.
 */
final class PaperSuite {

    /** The immediate baselines SBS is measured against: the best of them at each point. */
    static final List<String> BASELINES = List.of(PolicyRegistry.ROUND_ROBIN,
            PolicyRegistry.LEAST_OUTSTANDING_TOKENS, PolicyRegistry.LEAST_LOADED_INSTANCE);

    /** The experiments {@link #run} reports progress of: TTFT vs load per setup, capacity, decode, and the decode suite's two. */
    static final int EXPERIMENTS = TtftVsLoadExperiment.SETUPS.size() + 4;

    /**
     * What every experiment of a run shares.
     *
     * @param prefillInstances when positive, overrides the number of prefill instances of every profile
     *                         (a sensitivity study of the cluster size {@code N}); 0 keeps the profiles'
     * @param signals          what the simulated engines tell the dispatcher: EndForward pushes (the paper's
     *                         setting) or only what stock engines give
     * @param progress         where each experiment's progress shows
     */
    record Settings(Path out, List<Long> seeds, double seconds, double decodeSeconds, int prefillInstances,
            Signals signals, Progress progress) {

        /** The named profile, with the overridden number of prefill instances if any. */
        EngineProfile load(String name) {
            EngineProfile p = ProfileLoader.load(name);
            return prefillInstances > 0 ? p.withPrefill(p.prefill().withInstances(prefillInstances, p.prefill().dpUnits())) : p;
        }
    }

    private final Settings settings;

    PaperSuite(Path out, List<Long> seeds, double seconds, double decodeSeconds, int prefillInstances, Signals signals,
            Progress progress) {
        this.settings = new Settings(out, seeds, seconds, decodeSeconds, prefillInstances, signals, progress);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> run() {
        long started = System.nanoTime();
        Map<String, Object> summary = new LinkedHashMap<>();
        Map<String, Object> headline = new LinkedHashMap<>();
        StringBuilder report = new StringBuilder("# SBS paper benchmark\n\n");
        Signals signals = settings.signals();
        int prefillInstances = settings.prefillInstances();
        report.append("Command: `app/bench paper --signals ").append(signals.tag()).append(" --out ").append(settings.out())
                .append(prefillInstances > 0 ? " --prefill-instances " + prefillInstances : "").append("`; seeds ")
                .append(settings.seeds()).append(", ").append(fmt(settings.seconds()))
                .append(" measured virtual seconds per point. Signals: ")
                .append(signals == Signals.PUSH ? "the engines push EndForward after every pass (the paper's setting)"
                        : "as stock SGLang and vLLM, no EndForward: first tokens and load polls every "
                                + PrefillRuns.pollNanos(signals) / 1_000_000 + " ms")
                .append(".\n\n");
        try (Parallel parallel = new Parallel()) {
            Map<String, Object> profiles = new LinkedHashMap<>();
            for (TtftVsLoadExperiment.Setup setup : TtftVsLoadExperiment.SETUPS) {
                Map<String, Object> p = new TtftVsLoadExperiment(settings).run(setup, parallel, report);
                profiles.put(setup.profile(), p);
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("ttft_reduction_by_load", p.get("reduction_vs_best_baseline"));
                h.put("ttft_reduction_vs_eft_by_load", p.get("reduction_vs_eft"));
                headline.put(setup.profile(), h);
            }
            summary.put("ttft_vs_load", profiles);

            Map<String, Object> capacity = new PrefillCapacityExperiment(settings).run(parallel, report);
            summary.put("prefill_capacity", capacity);
            @SuppressWarnings("unchecked")
            Map<String, Object> paperHeadline = (Map<String, Object>) headline.get("paper");
            paperHeadline.put("prefill", capacity.get("headline"));

            Map<String, Object> decode = new PaperDecodeExperiment(settings).run(parallel, report);
            summary.put("decode", decode);
            headline.put("decode", decode.get("headline"));

            List<Long> decodeSeeds = DecodeSuite.threeSeeds(settings.seeds());
            Map<String, Object> byKnowledge = new DecodeSuite(decodeSeeds, settings.decodeSeconds())
                    .run(parallel, report, settings.progress());
            summary.put("decode_by_knowledge", byKnowledge);
            headline.put("decode_by_knowledge", byKnowledge.get("headline"));
            Map<String, Object> coupled = new CoupledSuite(decodeSeeds, settings.decodeSeconds())
                    .run(parallel, report, settings.progress());
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
        ordered.put("seeds", settings.seeds());
        ordered.put("measured_seconds_per_point", settings.seconds());
        if (prefillInstances > 0) {
            ordered.put("prefill_instances_override", prefillInstances);
        }
        ordered.put("headline", headline);
        ordered.putAll(summary);
        report.append("\nWall time: ").append(fmt(wall)).append(" s.\n");
        ReportWriter.writeJson(settings.out().resolve("summary.json"), ordered);
        ReportWriter.writeText(settings.out().resolve("report.md"), report.toString());
        return ordered;
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
