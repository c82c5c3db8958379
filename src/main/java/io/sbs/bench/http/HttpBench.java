package io.sbs.bench.http;

import io.sbs.tools.MarkdownTable;
import io.sbs.tools.ReportWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code app/bench http}: the instant engines, nginx and the dispatcher (once per policy) in one run; see
 * the package documentation for the method. Paths are measured one after another, never at once, so
 * each has the machine's cores to itself apart from the generator and the engines.
 */
public final class HttpBench {

    /** The dispatcher should sustain at least this fraction of nginx's closed-loop throughput (issue 14). */
    static final double THROUGHPUT_AIM = 0.6;
    /** ... and add at most this much to the p99 latency at the open-loop rate (issue 14: at 1,000 requests/s). */
    static final double ADDED_P99_AIM_MS = 2.0;

    /**
     * The dispatcher's JVM options unless {@code --dispatcher-jvm} says otherwise: a fixed heap, so the
     * measured run does not pay for growing it, and G1, named as {@code app/sbs} names it. One string, so
     * the {@code --dispatcher-jvm} options can name it as their default.
     */
    public static final String DEFAULT_DISPATCHER_JVM_OPTIONS = "-Xms1g -Xmx1g -XX:+UseG1GC";

    public static final List<String> DEFAULT_DISPATCHER_JVM = List.of(DEFAULT_DISPATCHER_JVM_OPTIONS.split(" "));

    private static final int DP_UNITS = 8;
    private static final int CHUNK_TOKENS = 4096;
    // One thread each: the requests are tiny, and on a 2-core machine more threads only time-slice
    // against the proxy being measured.
    private static final int ENGINE_THREADS = 1;
    private static final int LOAD_THREADS = 1;

    /**
     * @param rate          open-loop requests per second
     * @param seconds       length of each open-loop run
     * @param connections   keep-alive connections of the generator per path; callers of the closed loop
     * @param closedSeconds length of each closed-loop run
     * @param warmupSeconds closed-loop warm-up before each path, discarded
     * @param instances     instant engines (ports), so routing has a choice
     * @param policies      dispatcher policies, one measured row each
     * @param nginx         nginx binary, or null to look for it
     * @param dispatcherJvm JVM options of the dispatcher's process
     */
    public record Options(Path out, double rate, double seconds, int connections, double closedSeconds,
            double warmupSeconds, int instances, List<String> policies, @Nullable String nginx,
            List<String> dispatcherJvm) {

        public Options {
            if (!(rate > 0) || !(seconds > 0) || connections < 1 || !(closedSeconds > 0) || warmupSeconds < 0
                    || instances < 1 || policies.isEmpty()) {
                throw new IllegalArgumentException("http: --rate, --seconds, --connections, --closed-seconds and "
                        + "--instances must be positive, --warmup not negative, --policy not empty");
            }
            policies = List.copyOf(policies);
            dispatcherJvm = List.copyOf(dispatcherJvm);
        }
    }

    /** One path's results: the open-loop run and its statistics, and the closed-loop run. */
    record PathResult(String name, LoadGenerator.Run open, LatencyStats latency, LoadGenerator.Run closed,
            List<Long> servedPerInstance, Cpu cpu) {
    }

    /**
     * CPU used during the closed-loop run: by the path's processes (this JVM, plus nginx's or the dispatcher's),
     * per answered request, and the machine's busy share of its cores, others' work included.
     */
    record Cpu(double microsPerRequest, double machineBusy, double othersCores) {
    }

    /** Something the run needs is missing or would not start; the message says what to do. */
    public static final class SetupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public SetupException(String message) {
            super(message);
        }

        public SetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Options o;

    public HttpBench(Options options) {
        this.o = options;
    }

    public void run() throws InterruptedException {
        long wallStart = System.nanoTime();
        Path nginxBin = NginxProxy.locate(o.nginx());
        String nginxVersion = NginxProxy.version(nginxBin);
        List<PathResult> results = new ArrayList<>();
        try (InstantEngine engine = new InstantEngine(o.instances(), DP_UNITS, ENGINE_THREADS);
                LoadGenerator load = new LoadGenerator(o.connections(), LOAD_THREADS)) {
            results.add(measure("direct", "http://127.0.0.1:" + engine.ports().get(0), load, engine, () -> 0));
            try (NginxProxy nginx = NginxProxy.start(nginxBin, o.out().resolve("nginx"), engine.ports(),
                    o.connections())) {
                results.add(measure("nginx", "http://127.0.0.1:" + nginx.port(), load, engine,
                        () -> CpuMeter.treeNanos(nginx.process())));
            }
            for (String policy : o.policies()) {
                try (Dispatcher d = Dispatcher.start(policy, engine.ports(), DP_UNITS, CHUNK_TOKENS, o.dispatcherJvm(),
                        o.out().resolve("dispatcher-" + policy + ".log"))) {
                    results.add(measure("dispatcher " + policy, "http://127.0.0.1:" + d.port(), load, engine,
                            () -> CpuMeter.treeNanos(d.process())));
                }
            }
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        ReportWriter.writeJson(o.out().resolve("summary.json"), summary(results, nginxVersion, wall));
        ReportWriter.writeText(o.out().resolve("report.md"), report(results, nginxVersion, wall));
    }

    private PathResult measure(String name, String url, LoadGenerator load, InstantEngine engine,
            LongSupplier childCpuNanos) throws InterruptedException {
        if (o.warmupSeconds() > 0) {
            // Flat out first, so the JIT compiles the path (for the dispatcher, Spring's whole request
            // path) before anything is measured; then briefly at the measured rate, whose pacing and
            // first requests would otherwise pay for the generator's own warm-up.
            load.closedLoop(url, seconds(o.warmupSeconds()));
            load.openLoop(url, o.rate(), seconds(Math.min(2, o.warmupSeconds())));
        }
        List<Long> before = engine.served();
        LoadGenerator.Run open = load.openLoop(url, o.rate(), seconds(o.seconds()));
        List<Long> after = engine.served();
        LatencyStats stats = LatencyStats.ofNanos(open.latencyNanos());
        long cpu0 = CpuMeter.jvmNanos() + childCpuNanos.getAsLong();
        long[] machine0 = CpuMeter.machineNanos();
        LoadGenerator.Run closed = load.closedLoop(url, seconds(o.closedSeconds()));
        long cpu = CpuMeter.jvmNanos() + childCpuNanos.getAsLong() - cpu0;
        long[] machine1 = CpuMeter.machineNanos();
        double busy = machine1[0] - machine0[0];
        double total = machine1[1] - machine0[1];
        int cores = Runtime.getRuntime().availableProcessors();
        Cpu cpuUse = new Cpu(closed.ok() == 0 ? Double.NaN : cpu / 1e3 / closed.ok(),
                total > 0 ? busy / total : Double.NaN,
                total > 0 ? Math.max(0, busy - cpu) / total * cores : Double.NaN);
        List<Long> served = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            served.add(after.get(i) - before.get(i));
        }
        System.out.printf(Locale.ROOT, "%-26s open %,.0f rps: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, %d failed; "
                + "closed %,.0f rps, %d failed, %.0f us CPU per request%n", name, open.requestsPerSecond(),
                stats.p50Ms(), stats.p99Ms(), stats.p999Ms(), open.sent() - open.ok(), closed.requestsPerSecond(),
                closed.sent() - closed.ok(), cpuUse.microsPerRequest());
        return new PathResult(name, open, stats, closed, served, cpuUse);
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    private static String key(String name) {
        return name.replace(' ', '-');
    }

    /** Goals of one dispatcher row against nginx and the direct baseline. */
    record Goals(double throughputRatio, double addedP99Ms, boolean noFailures) {

        boolean throughputMet() {
            return throughputRatio >= THROUGHPUT_AIM;
        }

        boolean latencyMet() {
            return addedP99Ms <= ADDED_P99_AIM_MS;
        }

        boolean met() {
            return throughputMet() && latencyMet() && noFailures;
        }
    }

    static Goals goals(PathResult dispatcher, PathResult nginx, PathResult direct) {
        LoadGenerator.Run o = dispatcher.open();
        LoadGenerator.Run c = dispatcher.closed();
        return new Goals(c.requestsPerSecond() / nginx.closed().requestsPerSecond(),
                dispatcher.latency().minus(direct.latency()).p99Ms(), o.ok() == o.sent() && c.ok() == c.sent());
    }

    private Map<String, Object> summary(List<PathResult> results, String nginxVersion, double wall) {
        PathResult direct = results.get(0);
        PathResult nginx = results.get(1);
        Map<String, Object> open = new LinkedHashMap<>();
        Map<String, Object> closed = new LinkedHashMap<>();
        Map<String, Object> goals = new LinkedHashMap<>();
        for (PathResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sent", r.open().sent());
            m.put("ok", r.open().ok());
            m.put("failed", r.open().sent() - r.open().ok());
            m.put("statuses", r.open().statuses());
            m.put("achieved_rps", r.open().requestsPerSecond());
            m.put("mean_ms", r.latency().meanMs());
            m.put("p50_ms", r.latency().p50Ms());
            m.put("p99_ms", r.latency().p99Ms());
            m.put("p999_ms", r.latency().p999Ms());
            m.put("max_ms", r.latency().maxMs());
            if (r != direct) {
                LatencyStats.Added a = r.latency().minus(direct.latency());
                m.put("added_p50_ms", a.p50Ms());
                m.put("added_p99_ms", a.p99Ms());
                m.put("added_p999_ms", a.p999Ms());
            }
            m.put("served_per_instance", r.servedPerInstance());
            open.put(key(r.name()), m);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("sent", r.closed().sent());
            c.put("ok", r.closed().ok());
            c.put("failed", r.closed().sent() - r.closed().ok());
            c.put("statuses", r.closed().statuses());
            c.put("rps", r.closed().requestsPerSecond());
            c.put("ratio_to_nginx", r.closed().requestsPerSecond() / nginx.closed().requestsPerSecond());
            c.put("cpu_us_per_request", r.cpu().microsPerRequest());
            c.put("machine_busy_fraction", r.cpu().machineBusy());
            c.put("other_processes_cores", r.cpu().othersCores());
            closed.put(key(r.name()), c);
            if (r != direct && r != nginx) {
                Goals g = goals(r, nginx, direct);
                goals.put(key(r.name()), Map.of("throughput_ratio", g.throughputRatio(),
                        "throughput_at_least_half_of_nginx", g.throughputMet(), "added_p99_ms", g.addedP99Ms(),
                        "added_p99_at_most_1ms", g.latencyMet(), "no_failures", g.noFailures(), "met", g.met()));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("suite", "http");
        out.put("settings", Map.of("rate_rps", o.rate(), "seconds", o.seconds(), "connections", o.connections(),
                "closed_seconds", o.closedSeconds(), "warmup_seconds", o.warmupSeconds(), "instances", o.instances(),
                "dp_units", DP_UNITS, "policies", o.policies()));
        out.put("environment", environment(nginxVersion));
        out.put("open_loop", open);
        out.put("closed_loop", closed);
        out.put("goals", goals);
        out.put("wall_seconds", wall);
        return out;
    }

    private static Map<String, Object> environment(String nginxVersion) {
        return Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                "max_heap_mib", Runtime.getRuntime().maxMemory() >> 20,
                "nginx", nginxVersion);
    }

    private String report(List<PathResult> results, String nginxVersion, double wall) {
        PathResult direct = results.get(0);
        PathResult nginx = results.get(1);
        Map<String, Object> env = environment(nginxVersion);
        StringBuilder sb = new StringBuilder("# Dispatcher overhead over HTTP\n\n");
        sb.append(String.format(Locale.ROOT, "%d instant engines (DP %d each); %d keep-alive connections per path; "
                + "warm-up %.0f s per path. Environment: %s cores, %s, %s, %s. Wall time %.0f s.%n%n",
                o.instances(), DP_UNITS, o.connections(), o.warmupSeconds(), env.get("cores"), env.get("java"),
                env.get("nginx"), env.get("os"), wall));
        sb.append(String.format(Locale.ROOT, "## Open loop, %,.0f requests/s for %.0f s%n%n", o.rate(), o.seconds()));
        sb.append("Latency in ms from each request's due time; added = the path's percentile less the direct one's.\n\n");
        MarkdownTable open = new MarkdownTable(3, "path", "achieved rps", "failed", "p50", "p99", "p99.9", "max",
                "added p50", "added p99");
        for (PathResult r : results) {
            LatencyStats.Added a = r == direct ? null : r.latency().minus(direct.latency());
            open.row(r.name(), String.format(Locale.ROOT, "%,.0f", r.open().requestsPerSecond()),
                    r.open().sent() - r.open().ok(), r.latency().p50Ms(), r.latency().p99Ms(), r.latency().p999Ms(),
                    r.latency().maxMs(), a == null ? "—" : fmt(a.p50Ms()), a == null ? "—" : fmt(a.p99Ms()));
        }
        sb.append(open.render());
        sb.append(String.format(Locale.ROOT, "%n## Closed loop, %d callers for %.0f s%n%n", o.connections(),
                o.closedSeconds()));
        MarkdownTable closed = new MarkdownTable(2, "path", "requests/s", "failed", "ratio to nginx",
                "CPU µs per request", "machine busy", "other processes, cores");
        for (PathResult r : results) {
            closed.row(r.name(), String.format(Locale.ROOT, "%,.0f", r.closed().requestsPerSecond()),
                    r.closed().sent() - r.closed().ok(), r.closed().requestsPerSecond() / nginx.closed().requestsPerSecond(),
                    String.format(Locale.ROOT, "%.0f", r.cpu().microsPerRequest()),
                    String.format(Locale.ROOT, "%.0f %%", 100 * r.cpu().machineBusy()), r.cpu().othersCores());
        }
        sb.append(closed.render());
        sb.append("\nCPU per request counts every process of the path: this JVM (load generator and instant engines)\n"
                + "and nginx's master and workers or the dispatcher's JVM. Other processes:\n"
                + "the machine's busy time not spent by those, in cores: work outside this benchmark.\n");
        sb.append(String.format(Locale.ROOT, "%n## Aims: throughput at least %.0f %% of nginx's, added p99 at most "
                + "%.1f ms at %,.0f requests/s%n%n", THROUGHPUT_AIM * 100, ADDED_P99_AIM_MS, o.rate()));
        MarkdownTable goals = new MarkdownTable(2, "dispatcher", "throughput ratio", "added p99 ms", "no failures", "met");
        for (PathResult r : results.subList(2, results.size())) {
            Goals g = goals(r, nginx, direct);
            goals.row(r.name(), g.throughputRatio(), fmt(g.addedP99Ms()), g.noFailures() ? "yes" : "no",
                    g.met() ? "yes" : "no");
        }
        sb.append(goals.render());
        sb.append("\n## Requests per instance (open loop)\n\n");
        MarkdownTable spread = new MarkdownTable(0, "path", "served per instance", "statuses");
        for (PathResult r : results) {
            spread.row(r.name(), r.servedPerInstance().toString(), r.open().statuses().toString());
        }
        sb.append(spread.render());
        return sb.toString();
    }

    private static String fmt(double ms) {
        return String.format(Locale.ROOT, "%+.3f", ms);
    }
}
