package io.sbs.bench.http;

import io.sbs.bench.http.HttpBench.PathResult;
import io.sbs.bench.http.HttpBench.Route;
import io.sbs.tools.MarkdownTable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code summary.json} and {@code report.md} of {@code app/bench http} from the measured paths. Added latency
 * needs the direct path, ratios and the aims need nginx's; without them those figures are left out.
 */
final class HttpReport {

    /** Goals of one proxy row (the dispatcher, or the Reactor Netty floor) against nginx and the direct baseline. */
    record Goals(double throughputRatio, double addedP99Ms, boolean noFailures) {

        boolean throughputMet() {
            return throughputRatio >= HttpBench.THROUGHPUT_AIM;
        }

        boolean latencyMet() {
            return addedP99Ms <= HttpBench.ADDED_P99_AIM_MS;
        }

        boolean met() {
            return throughputMet() && latencyMet() && noFailures;
        }
    }

    private final HttpBench.Options o;
    private final List<PathResult> results;
    private final @Nullable PathResult direct;
    private final @Nullable PathResult nginx;
    private final String nginxVersion;
    private final double wall;

    HttpReport(HttpBench.Options o, List<PathResult> results, @Nullable String nginxVersion, double wall) {
        this.o = o;
        this.results = List.copyOf(results);
        this.direct = find(Route.DIRECT);
        this.nginx = find(Route.NGINX);
        this.nginxVersion = nginxVersion == null ? "not run" : nginxVersion;
        this.wall = wall;
    }

    private @Nullable PathResult find(Route route) {
        return results.stream().filter(r -> r.route() == route).findFirst().orElse(null);
    }

    static Goals goals(PathResult proxy, PathResult nginx, PathResult direct) {
        LoadGenerator.Run o = proxy.open();
        LoadGenerator.Run c = proxy.closed();
        return new Goals(c.requestsPerSecond() / nginx.closed().requestsPerSecond(),
                proxy.latency().minus(direct.latency()).p99Ms(), o.ok() == o.sent() && c.ok() == c.sent());
    }

    /** The rows the aims are for: every proxy but nginx. */
    private List<PathResult> proxies() {
        return results.stream().filter(r -> r.route() == Route.NETTY || r.route() == Route.DISPATCHER).toList();
    }

    private static String key(String name) {
        return name.replace(' ', '-');
    }

    Map<String, Object> summary() {
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
            if (direct != null && r != direct) {
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
            if (nginx != null) {
                c.put("ratio_to_nginx", r.closed().requestsPerSecond() / nginx.closed().requestsPerSecond());
            }
            c.put("cpu_us_per_request", r.cpu().microsPerRequest());
            c.put("machine_busy_fraction", r.cpu().machineBusy());
            c.put("other_processes_cores", r.cpu().othersCores());
            closed.put(key(r.name()), c);
        }
        if (direct != null && nginx != null) {
            for (PathResult r : proxies()) {
                Goals g = goals(r, nginx, direct);
                // the aims' values beside their verdicts: the keys stay true when an aim moves
                goals.put(key(r.name()), Map.of("throughput_ratio", g.throughputRatio(),
                        "throughput_ratio_aim", HttpBench.THROUGHPUT_AIM, "throughput_aim_met", g.throughputMet(),
                        "added_p99_ms", g.addedP99Ms(), "added_p99_aim_ms", HttpBench.ADDED_P99_AIM_MS,
                        "added_p99_aim_met", g.latencyMet(), "no_failures", g.noFailures(), "met", g.met()));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("suite", "http");
        out.put("settings", Map.of("rate_rps", o.rate(), "seconds", o.seconds(), "connections", o.connections(),
                "closed_seconds", o.closedSeconds(), "warmup_seconds", o.warmupSeconds(), "instances", o.instances(),
                "dp_units", HttpBench.DP_UNITS, "policies", o.policies(),
                "paths", o.paths().stream().map(Route::tag).toList()));
        out.put("environment", environment());
        out.put("open_loop", open);
        out.put("closed_loop", closed);
        out.put("goals", goals);
        out.put("wall_seconds", wall);
        return out;
    }

    private Map<String, Object> environment() {
        return Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                "max_heap_mib", Runtime.getRuntime().maxMemory() >> 20,
                "nginx", nginxVersion);
    }

    String markdown() {
        Map<String, Object> env = environment();
        StringBuilder sb = new StringBuilder("# Dispatcher overhead over HTTP\n\n");
        sb.append(String.format(Locale.ROOT, "%d instant engines (DP %d each); %d keep-alive connections per path; "
                + "warm-up %.0f s per path. Environment: %s cores, %s, %s, %s. Wall time %.0f s.%n%n",
                o.instances(), HttpBench.DP_UNITS, o.connections(), o.warmupSeconds(), env.get("cores"), env.get("java"),
                env.get("nginx"), env.get("os"), wall));
        sb.append(String.format(Locale.ROOT, "## Open loop, %,.0f requests/s for %.0f s%n%n", o.rate(), o.seconds()));
        sb.append("Latency in ms from each request's due time; added = the path's percentile less the direct one's.\n\n");
        MarkdownTable open = new MarkdownTable(3, "path", "achieved rps", "failed", "p50", "p99", "p99.9", "max",
                "added p50", "added p99");
        for (PathResult r : results) {
            LatencyStats.Added a = direct == null || r == direct ? null : r.latency().minus(direct.latency());
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
                    r.closed().sent() - r.closed().ok(),
                    nginx == null ? "—" : (Object) (r.closed().requestsPerSecond() / nginx.closed().requestsPerSecond()),
                    String.format(Locale.ROOT, "%.0f", r.cpu().microsPerRequest()),
                    String.format(Locale.ROOT, "%.0f %%", 100 * r.cpu().machineBusy()), r.cpu().othersCores());
        }
        sb.append(closed.render());
        sb.append("\nCPU per request counts every process of the path: this JVM (load generator and instant engines)\n"
                + "and nginx's master and workers, the Reactor Netty proxy's JVM or the dispatcher's JVM. Other processes:\n"
                + "the machine's busy time not spent by those, in cores: work outside this benchmark.\n");
        if (direct != null && nginx != null) {
            sb.append(String.format(Locale.ROOT, "%n## Aims: throughput at least %.0f %% of nginx's, added p99 at most "
                    + "%.1f ms at %,.0f requests/s%n%n", HttpBench.THROUGHPUT_AIM * 100, HttpBench.ADDED_P99_AIM_MS,
                    o.rate()));
            sb.append("The Reactor Netty proxy is the floor: what a JVM proxy on the same stack reaches with nothing "
                    + "else to do.\n\n");
            MarkdownTable goals = new MarkdownTable(2, "proxy", "throughput ratio", "added p99 ms", "no failures", "met");
            for (PathResult r : proxies()) {
                Goals g = goals(r, nginx, direct);
                goals.row(r.name(), g.throughputRatio(), fmt(g.addedP99Ms()), g.noFailures() ? "yes" : "no",
                        g.met() ? "yes" : "no");
            }
            sb.append(goals.render());
        }
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
