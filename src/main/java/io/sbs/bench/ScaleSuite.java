package io.sbs.bench;

import io.sbs.cli.Progress;
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
import io.sbs.tools.ReportWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code app/bench scale}: how fast the simulator and the core run at production size: one hour of
 * virtual time on 384 prefill DP units (48 instances of DP8) and 320 decode DP units (10 instances of
 * DP32) at 100 QPS under SBS, the prefill and decode twins on one core each. Reports wall time and
 * simulation events per second.
 */
final class ScaleSuite {

    private final Path out;
    private final double hours;
    private final double qps;
    private final Signals signals;
    private final Progress progress;

    ScaleSuite(Path out, double hours, double qps, Signals signals, Progress progress) {
        this.progress = progress;
        this.signals = signals;
        this.out = out;
        this.hours = hours;
        this.qps = qps;
    }

    Map<String, Object> run() {
        long started = System.nanoTime();
        EngineProfile base = ProfileLoader.load("paper");
        EngineProfile profile = base.withPrefill(base.prefill().withInstances(48, 8))
                .withDecode(base.decode().withInstances(10, 32));
        double seconds = hours * 3600;
        int count = (int) Math.round(qps * seconds);
        List<WorkloadRequest> workload = WorkloadGenerator.generate(new PoissonArrivals(qps),
                PaperWorkloads.SHORT_PROMPTS, PaperWorkloads.DECODE_OUTPUTS, count, 1);
        // Decode alongside: a closed loop of requests (about 100-165 completions per second on this profile).
        int concurrency = (int) Math.round(qps * 500 * 0.03);
        double[] prefillWallBox = new double[1];
        double[] decodeWallBox = new double[1];
        PrefillResult prefill;
        DecodeResult decode;
        Progress.Stage stage = progress.stage("scale, prefill and decode", 2);
        try (Parallel parallel = new Parallel()) {
            java.util.concurrent.Future<PrefillResult> p = parallel.submit(stage, "prefill", 1, () -> {
                long t0 = System.nanoTime();
                PrefillResult r = PrefillSimulation.run(new PrefillSimulation.Config(profile,
                        SchedulingPolicy.defaults(PolicyRegistry.SBS), workload, 1, 0, PrefillRuns.pollNanos(signals),
                        60_000_000_000L, Long.MAX_VALUE, List.of(), signals));
                prefillWallBox[0] = (System.nanoTime() - t0) / 1e9;
                return r;
            });
            java.util.concurrent.Future<DecodeResult> d = parallel.submit(stage, "decode", 1, () -> {
                long t0 = System.nanoTime();
                DecodeResult r = DecodeSimulation.run(new DecodeSimulation.Config(profile,
                        SchedulingPolicy.defaults(PolicyRegistry.SBS), concurrency, (long) (seconds * 1e9), 0,
                        10_000_000_000L, 1, PaperWorkloads.DECODE_PROMPTS::sample, PaperWorkloads.DECODE_OUTPUTS::sample));
                decodeWallBox[0] = (System.nanoTime() - t0) / 1e9;
                return r;
            });
            prefill = Parallel.get(p);
            decode = Parallel.get(d);
        }
        double prefillWall = prefillWallBox[0];
        double decodeWall = decodeWallBox[0];
        double wall = (System.nanoTime() - started) / 1e9;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("suite", "scale");
        summary.put("signals", signals.tag());
        summary.put("virtual_seconds", seconds);
        summary.put("qps", qps);
        summary.put("prefill_dp_units", profile.prefill().instances() * profile.prefill().dpUnits());
        summary.put("decode_dp_units", profile.decode().instances() * profile.decode().dpUnits());
        summary.put("prefill_requests", prefill.completed());
        summary.put("prefill_events", prefill.events());
        summary.put("prefill_wall_seconds", PaperSuite.round(prefillWall));
        summary.put("prefill_events_per_second", Math.round(prefill.events() / prefillWall));
        summary.put("decode_concurrency", concurrency);
        summary.put("decode_completed", decode.completed());
        summary.put("decode_wall_seconds", PaperSuite.round(decodeWall));
        summary.put("wall_seconds", PaperSuite.round(wall));
        ReportWriter.writeJson(out.resolve("summary.json"), summary);
        ReportWriter.writeText(out.resolve("report.md"), "# Scale\n\nOne run of " + PaperSuite.fmt(seconds)
                + " virtual seconds at " + PaperSuite.fmt(qps) + " QPS on " + summary.get("prefill_dp_units")
                + " prefill and " + summary.get("decode_dp_units") + " decode DP units, policy `sbs`.\n\n"
                + "| part | wall s | events | events/s |\n|---|---:|---:|---:|\n"
                + "| prefill | " + PaperSuite.fmt(prefillWall) + " | " + prefill.events() + " | "
                + summary.get("prefill_events_per_second") + " |\n"
                + "| decode | " + PaperSuite.fmt(decodeWall) + " | — | — |\n\nTotal wall time "
                + PaperSuite.fmt(wall) + " s.\n");
        return summary;
    }
}
