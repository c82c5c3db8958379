package io.sbs.bench.live;

import io.sbs.bench.io.Plots;
import io.sbs.core.PolicyRegistry;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.WorkloadRequest;
import io.sbs.tools.JvmLauncher;
import io.sbs.tools.MarkdownTable;
import io.sbs.tools.ReportWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/** {@code summary.json}, {@code report.md} and {@code ttft_vs_load.png} of one live run. */
final class LiveReport {

    /** The immediate policies SBS is held against in the ratios (issue 12's "done when"). */
    static final List<String> REFERENCES = List.of(PolicyRegistry.ROUND_ROBIN, PolicyRegistry.LEAST_OUTSTANDING_TOKENS);
    static final String PLOT = "ttft_vs_load.png";
    /** A run whose machine was busier than this shared the cores too tightly to trust its tail. */
    static final double BUSY_WARNING = 0.9;

    private final LiveBench.Options o;
    private final EngineProfile profile;
    private final LiveBench.Capacity capacity;
    private final @Nullable PollCost pollCost;
    private final Map<Double, List<WorkloadRequest>> arrivals;
    private final List<RunResult> results;
    private final double wallSeconds;

    LiveReport(LiveBench.Options o, EngineProfile profile, LiveBench.Capacity capacity, @Nullable PollCost pollCost,
            Map<Double, List<WorkloadRequest>> arrivals, List<RunResult> results, double wallSeconds) {
        this.o = o;
        this.profile = profile;
        this.capacity = capacity;
        this.pollCost = pollCost;
        this.arrivals = arrivals;
        this.results = results;
        this.wallSeconds = wallSeconds;
    }

    void write() {
        ReportWriter.writeJson(o.out().resolve("summary.json"), summary());
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (String policy : o.policies()) {
            double[][] xy = new double[2][o.loads().size()];
            for (int i = 0; i < o.loads().size(); i++) {
                xy[0][i] = o.loads().get(i);
                RunResult r = result(policy, o.loads().get(i));
                xy[1][i] = r == null ? Double.NaN : r.ttft().meanMs();
            }
            series.put(policy, xy);
        }
        Plots.lineChart(o.out().resolve(PLOT), String.format(Locale.ROOT, "Mean TTFT vs load, %d engine-sim %s, push %s",
                o.instances(), profile.name(), o.push() ? "on" : "off"), "load (fraction of capacity)",
                "mean TTFT (ms)", series);
        ReportWriter.writeText(o.out().resolve("report.md"), report());
    }

    private @Nullable RunResult result(String policy, double load) {
        for (RunResult r : results) {
            if (r.policy().equals(policy) && r.load() == load) {
                return r;
            }
        }
        return null;
    }

    /** SBS's figure over the smaller of the references' at {@code load}, with that reference's name. */
    private @Nullable Ratio ratio(double load, ToDoubleFunction<RunResult> figure) {
        RunResult sbs = result(PolicyRegistry.SBS, load);
        RunResult best = null;
        for (String ref : REFERENCES) {
            RunResult r = result(ref, load);
            if (r != null && Double.isFinite(figure.applyAsDouble(r))
                    && (best == null || figure.applyAsDouble(r) < figure.applyAsDouble(best))) {
                best = r;
            }
        }
        if (sbs == null || best == null) {
            return null;
        }
        return new Ratio(figure.applyAsDouble(sbs) / figure.applyAsDouble(best), best.policy(),
                figure.applyAsDouble(best));
    }

    private record Ratio(double ratio, String against, double referenceMs) {
    }

    private Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("suite", "live");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("instances", o.instances());
        settings.put("profile", profile.name());
        settings.put("push", o.push());
        settings.put("seconds", o.seconds());
        settings.put("seed", o.seed());
        settings.put("loads", o.loads());
        settings.put("policies", o.policies());
        settings.put("dp_units", profile.prefill().dpUnits());
        settings.put("chunk_tokens", profile.prefill().unitChunkTokens());
        settings.put("max_tokens", StreamingClient.MAX_TOKENS);
        settings.put("warmup_seconds", o.warmupSeconds());
        settings.put("measured_after_fraction", LiveBench.MEASURED_AFTER);
        settings.put("drain_seconds", LiveBench.DRAIN.toSeconds());
        settings.put("dispatcher_jvm", o.dispatcherJvm());
        settings.put("dispatcher_args", o.dispatcherArgs());
        settings.put("engine_jvm", JvmLauncher.JVM_OPTIONS);
        s.put("settings", settings);
        s.put("environment", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                "os", System.getProperty("os.name") + " " + System.getProperty("os.version")));
        s.put("capacity_rps", capacity.rps());
        Map<String, Object> c = new LinkedHashMap<>();
        StreamingClient.@Nullable Saturation sat = capacity.saturation();
        c.put("method", sat == null ? "given" : "closed-loop straight to the engines, round robin over DP units");
        c.put("profile_full_pass_bound_rps", capacity.profileBoundRps());
        if (sat != null) {
            c.put("callers", sat.callers());
            c.put("ramp_seconds", capacity.rampSeconds());
            c.put("measured_seconds", sat.seconds());
            c.put("sent", sat.sent());
            c.put("first_tokens_in_window", sat.firstTokens());
            c.put("without_content", sat.failed());
        }
        s.put("capacity", c);
        if (pollCost != null) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("rate_per_second", pollCost.rate());
            p.put("polls", pollCost.polls());
            p.put("window_seconds", pollCost.seconds());
            p.put("engine_idle_cores", pollCost.idleCores());
            p.put("engine_polled_cores", pollCost.polledCores());
            p.put("cpu_us_per_poll", pollCost.microsPerPoll());
            s.put("poll_cost", p);
        }
        Map<String, Object> byLoad = new LinkedHashMap<>();
        for (double load : o.loads()) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("rate_rps", load * capacity.rps());
            l.put("arrivals", arrivals.get(load).size());
            Map<String, Object> policies = new LinkedHashMap<>();
            for (String policy : o.policies()) {
                RunResult r = result(policy, load);
                if (r != null) {
                    policies.put(policy, run(r));
                }
            }
            l.put("policies", policies);
            Ratio mean = ratio(load, r -> r.ttft().meanMs());
            Ratio p99 = ratio(load, r -> r.ttft().p99Ms());
            if (mean != null && p99 != null) {
                l.put("sbs_vs_best_of_rr_lot", Map.of("mean_ratio", mean.ratio(), "mean_against", mean.against(),
                        "p99_ratio", p99.ratio(), "p99_against", p99.against()));
            }
            byLoad.put(Double.toString(load), l);
        }
        s.put("by_load", byLoad);
        s.put("wall_seconds", wallSeconds);
        return s;
    }

    private static Map<String, Object> run(RunResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ttft_mean_ms", r.ttft().meanMs());
        m.put("ttft_p50_ms", r.ttft().p50Ms());
        m.put("ttft_p99_ms", r.ttft().p99Ms());
        m.put("ttft_max_ms", r.ttft().maxMs());
        m.put("sent", r.sent());
        m.put("measured", r.measured());
        m.put("unfinished_in_measured", r.unfinished());
        m.put("statuses", r.statuses());
        m.put("client_lag_p99_ms", r.clientLagP99Ms());
        m.put("cpu_cores", Map.of("dispatcher", r.cpu().dispatcherCores(), "engines", r.cpu().enginesCores(),
                "client", r.cpu().clientCores(), "idle_policy_stacks", r.cpu().idleStacksCores(),
                "machine_busy_fraction", r.cpu().machineBusy(), "other_processes", r.cpu().otherCores()));
        m.put("dispatcher", r.dispatcherMeters());
        m.put("seconds", r.seconds());
        return m;
    }

    private String report() {
        StringBuilder sb = new StringBuilder("# Live: engine-sim processes behind the dispatcher\n\n");
        sb.append(String.format(Locale.ROOT, "%d engine-sim prefill instances of profile `%s` (DP %d, C_max %d tokens "
                + "per DP unit), EndForward push **%s**; %.0f s per run, seed %d; prompts as `app/bench paper` draws them "
                + "for this profile, %d output tokens. Wall time %.0f s on %d cores.%n%n", o.instances(), profile.name(),
                profile.prefill().dpUnits(), profile.prefill().unitChunkTokens(), o.push() ? "on" : "off", o.seconds(),
                o.seed(), StreamingClient.MAX_TOKENS, wallSeconds, Runtime.getRuntime().availableProcessors()));
        StreamingClient.@Nullable Saturation sat = capacity.saturation();
        if (sat == null) {
            sb.append(String.format(Locale.ROOT, "**Capacity %.1f requests/s**, as given (`--capacity`); the profile's "
                    + "full-pass bound is %.1f.%n%n", capacity.rps(), capacity.profileBoundRps()));
        } else {
            sb.append(String.format(Locale.ROOT, "**Capacity %.1f requests/s**: a closed loop of %d callers straight "
                    + "to the engines, round robin over their DP units, first tokens counted over %.0f s after a %.0f s "
                    + "ramp (%d sent, %d without content). The profile's full-pass bound (every unit's chunk full in "
                    + "every pass) is %.1f.%n%n", capacity.rps(), sat.callers(), sat.seconds(),
                    capacity.rampSeconds(), sat.sent(), sat.failed(), capacity.profileBoundRps()));
        }
        if (pollCost != null) {
            sb.append(String.format(Locale.ROOT, "**Load poll cost**: an idle engine-sim process answering `GET "
                    + "/get_load` at %.0f/s spent %.4f cores against %.4f unpolled (%d polls over %.0f s): **%.0f µs of "
                    + "CPU per poll**, %.4f cores at 100 polls/s, %.4f at the dispatcher's default 20/s "
                    + "(`sbs.poll-interval` 50 ms).%n%n", pollCost.rate(), pollCost.polledCores(),
                    pollCost.idleCores(), pollCost.polls(), pollCost.seconds(), pollCost.microsPerPoll(),
                    pollCost.coresAt(100), pollCost.coresAt(20)));
        }
        boolean busy = false;
        for (double load : o.loads()) {
            sb.append(String.format(Locale.ROOT, "## Load %s: %.1f requests/s, %d arrivals%n%n", load,
                    load * capacity.rps(), arrivals.get(load).size()));
            MarkdownTable t = new MarkdownTable(0, "policy", "mean TTFT ms", "p50 ms", "p99 ms", "sent", "measured",
                    "statuses", "client lag p99 ms", "dispatcher's mean TTFT ms", "CPU cores: dispatcher / engines / "
                    + "client / idle stacks / others", "machine busy");
            for (String policy : o.policies()) {
                RunResult r = result(policy, load);
                if (r == null) {
                    continue;
                }
                Map<String, Double> m = r.dispatcherMeters();
                double ownTtft = m.getOrDefault("ttft_count", 0.0) > 0
                        ? 1e3 * m.get("ttft_sum_seconds") / m.get("ttft_count") : Double.NaN;
                busy |= r.cpu().machineBusy() > BUSY_WARNING;
                t.row(policy, r.ttft().meanMs(), r.ttft().p50Ms(), r.ttft().p99Ms(), r.sent(),
                        r.measured() + (r.unfinished() > 0 ? " (" + r.unfinished() + " unfinished)" : ""),
                        r.statuses().toString(), String.format(Locale.ROOT, "%.1f", r.clientLagP99Ms()), ownTtft,
                        String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.2f / %.2f", r.cpu().dispatcherCores(),
                                r.cpu().enginesCores(), r.cpu().clientCores(), r.cpu().idleStacksCores(),
                                r.cpu().otherCores()),
                        String.format(Locale.ROOT, "%.0f %%", 100 * r.cpu().machineBusy()));
            }
            sb.append(t.render()).append('\n');
        }
        MarkdownTable ratios = new MarkdownTable(2, "load", "SBS mean / best mean", "best mean (policy)",
                "SBS p99 / best p99", "best p99 (policy)");
        for (double load : o.loads()) {
            Ratio mean = ratio(load, r -> r.ttft().meanMs());
            Ratio p99 = ratio(load, r -> r.ttft().p99Ms());
            if (mean != null && p99 != null) {
                ratios.row(load, mean.ratio(), String.format(Locale.ROOT, "%.0f ms (%s)", mean.referenceMs(),
                        mean.against()), p99.ratio(), String.format(Locale.ROOT, "%.0f ms (%s)", p99.referenceMs(),
                        p99.against()));
            }
        }
        if (ratios.rowCount() > 0) {
            sb.append("## SBS against the best of round robin and least outstanding tokens\n\n").append(ratios.render())
                    .append('\n');
        }
        if (busy) {
            sb.append(String.format(Locale.ROOT, "**Warning**: the machine was more than %.0f %% busy in at least one "
                    + "run: processes waited for a core, and tail latencies say as much about the machine as about "
                    + "the policy.%n%n", 100 * BUSY_WARNING));
        }
        sb.append("![Mean TTFT vs load](").append(PLOT).append(")\n\n");
        sb.append(method());
        return sb.toString();
    }

    private String method() {
        List<String> lines = new ArrayList<>();
        lines.add("Every policy gets engine processes and a dispatcher JVM of its own, fresh (nothing learned under "
                + "another policy carries over), then " + fmt(o.warmupSeconds()) + " s of unmeasured load. All stacks "
                + "stay up; at each load the policies run back to back (each load starting with the next policy), "
                + "each on idle engines, each with the same seeded Poisson arrivals and prompt lengths, so the "
                + "policies compared at a load are measured minutes apart at most, under much the same machine.");
        lines.add("TTFT is timed at the client from each request's due time (its arrival in the workload) to the first "
                + "SSE chunk that carries content; the client lag column says how late the client itself sent.");
        lines.add("The first " + fmt(100 * LiveBench.MEASURED_AFTER) + " % of each run is sent but not measured. "
                + "Requests still without a first token " + LiveBench.DRAIN.toSeconds() + " s after the last arrival "
                + "are cancelled, counted as `unfinished` and kept in the TTFT figures with their wait so far "
                + "(a lower bound).");
        lines.add("Statuses count every request sent: the HTTP status, `200-no-content` for a 200 stream that ended "
                + "without content (an error event), `transport-error`, `unfinished`.");
        lines.add("The dispatcher's columns come from its own meters over the run (`dispatcher` in summary.json: "
                + "ingress requests, which should equal `sent`, and prompts measured by the four-characters "
                + "estimate, the engine simulator's own rule, so both count the same lengths).");
        lines.add("CPU is read from /proc per process over each run, in cores: the measured policy's dispatcher and "
                + "engines, the client (this JVM), the other policies' stacks idling, and others: busy time no "
                + "process of the benchmark used (other work on the machine). No process is pinned to a core.");
        lines.add("`requests.csv` has every request of every run (due time, prompt length, send lag, TTFT, "
                + "outcome, whether measured); `logs/<phase>/` every engine's and the dispatcher's output (and its GC "
                + "log); `live.log` the progress lines.");
        StringBuilder sb = new StringBuilder("## Method\n\n");
        for (String l : lines) {
            sb.append("- ").append(l).append('\n');
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
