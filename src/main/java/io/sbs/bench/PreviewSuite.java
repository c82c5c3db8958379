package io.sbs.bench;

import io.sbs.control.ClusterShape;
import io.sbs.control.PolicyPreview;
import io.sbs.control.PreviewRequest;
import io.sbs.control.PreviewResult;
import io.sbs.control.TraceLibrary;
import io.sbs.control.TrafficRecorder;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.PaperWorkloads;
import io.sbs.sim.workload.PoissonArrivals;
import io.sbs.sim.workload.WorkloadGenerator;
import io.sbs.state.PolicyRecord;
import io.sbs.tools.MarkdownTable;
import io.sbs.tools.ReportWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * {@code app/bench preview}: how long a policy preview takes on a full window. Fills a
 * {@link TrafficRecorder} with {@code --minutes} (10) of Poisson arrivals at {@code --qps} (400, near the
 * saturation of the embedded default's cluster, profile {@code divided}) with the paper's 0-3K prompts,
 * as the dispatch loop would record them, then runs {@link PolicyPreview} once per policy pair, in the
 * order listed, on a fresh JVM: the first preview pays for the JIT, as an operator's first one would. The
 * goal: every preview within 10 s.
 */
final class PreviewSuite {

    static final double GOAL_SECONDS = 10;

    /** Current and proposed policy of each preview, in the order run. */
    private static final List<String[]> PAIRS = List.of(
            new String[] {PolicyRegistry.SBS, PolicyRegistry.ROUND_ROBIN},
            new String[] {PolicyRegistry.ROUND_ROBIN, PolicyRegistry.SBS},
            new String[] {PolicyRegistry.SBS, PolicyRegistry.EARLIEST_FINISH_TIME},
            new String[] {PolicyRegistry.SBS, PolicyRegistry.LEAST_OUTSTANDING_TOKENS});

    private final Path out;
    private final double qps;
    private final double minutes;
    private final String profileName;
    private final long seed;

    PreviewSuite(Path out, double qps, double minutes, String profileName, long seed) {
        if (!(qps > 0) || !(minutes > 0)) {
            throw new IllegalArgumentException("--qps and --minutes must be above 0");
        }
        this.out = out;
        this.qps = qps;
        this.minutes = minutes;
        this.profileName = profileName;
        this.seed = seed;
    }

    Map<String, Object> run() {
        long started = System.nanoTime();
        EngineProfile profile = ProfileLoader.load(profileName);
        EngineProfile.Prefill p = profile.prefill();
        List<ClusterShape.PrefillInstance> instances = new ArrayList<>();
        for (int i = 0; i < p.instances(); i++) {
            instances.add(new ClusterShape.PrefillInstance("prefill-" + i, p.dpUnits(), p.unitChunkTokens()));
        }
        ClusterShape shape = new ClusterShape(instances);
        List<WorkloadRequest> arrivals = WorkloadGenerator.generate(new PoissonArrivals(qps),
                PaperWorkloads.SHORT_PROMPTS, PaperWorkloads.PREFILL_OUTPUTS, (int) Math.round(qps * minutes * 60),
                seed);
        // the loop's clock, here virtual: the window ends at the last arrival
        AtomicLong clock = new AtomicLong(1_000_000_000_000L);
        TrafficRecorder recorder = new TrafficRecorder(Duration.ofNanos(Math.round(minutes * 60e9)),
                TrafficRecorder.DEFAULT_MAX_REQUESTS, TrafficRecorder.DEFAULT_MAX_BLOCK_HASHES, clock::get);
        long base = clock.get();
        long recordStart = System.nanoTime();
        for (WorkloadRequest w : arrivals) {
            clock.set(base + w.arrivalNanos());
            recorder.record(clock.get(), w.promptTokens(), w.outputTokens(), w.blockHashes());
        }
        double recordNanosEach = (System.nanoTime() - recordStart) / (double) arrivals.size();
        long snapshotStart = System.nanoTime();
        int recorded = recorder.snapshot().size();
        double snapshotSeconds = (System.nanoTime() - snapshotStart) / 1e9;

        List<Map<String, Object>> previews = new ArrayList<>();
        MarkdownTable table = new MarkdownTable(3, "current → proposed", "mean TTFT s", "p50", "p99",
                "requests/s", "prompt tokens/s", "chunk util", "busy", "saturated", "wall s", "CPU s");
        double slowest = 0;
        for (String[] pair : PAIRS) {
            SchedulingPolicy current = SchedulingPolicy.defaults(pair[0]);
            PolicyRecord record = new PolicyRecord(current, 1, "bench", 0, 0);
            PreviewResult r;
            long t0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            try (PolicyPreview preview = new PolicyPreview(recorder, TraceLibrary.NONE, () -> Mono.just(record),
                    () -> shape, profile, PolicyPreview.Settings.DEFAULTS)) {
                r = preview.preview(PreviewRequest.of(SchedulingPolicy.defaults(pair[1])).withSeed(seed))
                        .block(Duration.ofMinutes(10));
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            slowest = Math.max(slowest, wall);
            if (r == null) {
                throw new IllegalStateException("the preview of " + pair[0] + " → " + pair[1] + " gave no result");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("current", pair[0]);
            m.put("proposed", pair[1]);
            m.put("requests", r.requests());
            m.put("current_projection", projection(r.current()));
            m.put("proposed_projection", projection(r.proposed()));
            m.put("wall_seconds", PaperSuite.round(wall));
            m.put("preview_wall_seconds", PaperSuite.round(r.wallSeconds()));
            m.put("process_cpu_seconds", PaperSuite.round(cpu));
            m.put("give_up_seconds", PaperSuite.round(r.giveUpSeconds()));
            m.put("notes", r.notes());
            previews.add(m);
            String label = pair[0] + " → " + pair[1];
            row(table, label + " (current)", r.current(), wall, cpu);
            row(table, label + " (proposed)", r.proposed(), wall, cpu);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("suite", "preview");
        summary.put("profile", profile.name());
        summary.put("cluster", Map.of("prefill_instances", p.instances(), "dp_units", p.dpUnits(),
                "chunk_tokens", p.unitChunkTokens()));
        summary.put("qps", qps);
        summary.put("minutes", minutes);
        summary.put("requests_recorded", recorded);
        summary.put("record_nanos_each", PaperSuite.round(recordNanosEach));
        summary.put("snapshot_seconds", PaperSuite.round(snapshotSeconds));
        summary.put("recorder_bytes", 24L * recorded);
        summary.put("processors", Runtime.getRuntime().availableProcessors());
        summary.put("previews", previews);
        summary.put("slowest_wall_seconds", PaperSuite.round(slowest));
        summary.put("goal_seconds", GOAL_SECONDS);
        summary.put("goal_met", slowest <= GOAL_SECONDS);
        summary.put("wall_seconds", PaperSuite.round((System.nanoTime() - started) / 1e9));
        ReportWriter.writeJson(out.resolve("summary.json"), summary);
        ReportWriter.writeText(out.resolve("report.md"), "# Policy preview\n\n" + recorded + " requests recorded ("
                + PaperSuite.fmt(minutes) + " minutes of Poisson arrivals at " + PaperSuite.fmt(qps)
                + " QPS, prompts 0-3K with mean 1K) on profile `" + profile.name() + "` (" + p.instances()
                + " prefill instances of DP" + p.dpUnits() + ", " + p.unitChunkTokens() + " tokens per unit and pass), "
                + "seed " + seed + ", " + Runtime.getRuntime().availableProcessors() + " processors. Each preview "
                + "simulates both policies, in parallel; wall s is the whole preview, the first one on a cold JVM; "
                + "CPU s is the process's CPU time meanwhile (all threads), which other load on the machine does "
                + "not inflate. A saturated policy's TTFT is a lower bound over the part simulated.\n\n"
                + table.render() + "\nSlowest preview: " + PaperSuite.fmt(slowest) + " s (goal: "
                + PaperSuite.fmt(GOAL_SECONDS) + " s, " + (slowest <= GOAL_SECONDS ? "met" : "NOT met")
                + "). Recording: " + PaperSuite.fmt(recordNanosEach) + " ns per request; snapshot of the window: "
                + PaperSuite.fmt(snapshotSeconds) + " s.\n");
        return summary;
    }

    private static Map<String, Object> projection(PreviewResult.Projection p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ttft_mean_s", PaperSuite.round(p.ttftMeanSeconds()));
        m.put("ttft_p50_s", PaperSuite.round(p.ttftP50Seconds()));
        m.put("ttft_p99_s", PaperSuite.round(p.ttftP99Seconds()));
        m.put("requests_per_s", PaperSuite.round(p.requestsPerSecond()));
        m.put("prompt_tokens_per_s", Math.round(p.promptTokensPerSecond()));
        m.put("chunk_util", PaperSuite.round(p.chunkUtilization()));
        m.put("busy_fraction", PaperSuite.round(p.busyFraction()));
        m.put("saturated", p.saturated());
        m.put("simulated_seconds", PaperSuite.round(p.simulatedSeconds()));
        return m;
    }

    private static void row(MarkdownTable table, String label, PreviewResult.Projection p, double wall, double cpu) {
        table.row(label, p.ttftMeanSeconds(), p.ttftP50Seconds(), p.ttftP99Seconds(), p.requestsPerSecond(),
                Math.round(p.promptTokensPerSecond()), p.chunkUtilization(), p.busyFraction(),
                p.saturated() ? "after " + Math.round(p.simulatedSeconds()) + " s" : "no", wall, cpu);
    }

    /** CPU time of the whole process (simulations, GC, JIT): unlike wall time, not inflated by other load. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
