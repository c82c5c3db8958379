package io.sbs.bench.http;

import io.sbs.tools.ReportWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code app/bench http}: the instant engines, nginx, the Reactor Netty proxy and the dispatcher (once per
 * policy) in one run, or those paths chosen; see the package documentation for the method. Paths are measured
 * one after another, never at once, so each has the machine's cores to itself apart from the generator and
 * the engines. The summary and the report are {@link HttpReport}'s.
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
    public static final String DEFAULT_DISPATCHER_JVM_OPTIONS = "-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxTenuringThreshold=2";

    public static final List<String> DEFAULT_DISPATCHER_JVM = List.of(DEFAULT_DISPATCHER_JVM_OPTIONS.split(" "));

    static final int DP_UNITS = 8;
    private static final int CHUNK_TOKENS = 4096;
    // One thread each: the requests are tiny, and on a 2-core machine more threads only time-slice
    // against the proxy being measured.
    private static final int ENGINE_THREADS = 1;
    private static final int LOAD_THREADS = 1;

    /** The paths a run can measure, in the order it measures them. */
    public enum Route {
        /** The engines without a proxy: the baseline that added latency is counted from. */
        DIRECT("direct"),
        /** nginx, the reference proxy. */
        NGINX("nginx"),
        /** {@link ReactorNettyProxy}, the floor of a JVM proxy. */
        NETTY("netty"),
        /** The dispatcher, once per policy. */
        DISPATCHER("dispatcher");

        private final String tag;

        Route(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }

        /** The route named {@code tag}, as {@code --paths} names it. */
        public static Route of(String tag) {
            for (Route r : values()) {
                if (r.tag.equals(tag)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("http: unknown path '" + tag + "'; known: direct, nginx, netty, dispatcher");
        }
    }

    /**
     * @param rate          open-loop requests per second
     * @param seconds       length of each open-loop run
     * @param connections   keep-alive connections of the generator per path; callers of the closed loop
     * @param closedSeconds length of each closed-loop run
     * @param warmupSeconds closed-loop warm-up before each path, discarded
     * @param instances     instant engines (ports), so routing has a choice
     * @param policies      dispatcher policies, one measured row each
     * @param nginx         nginx binary, or null to look for it
     * @param dispatcherJvm JVM options of the dispatcher's process, and of the Reactor Netty proxy's
     * @param paths         the paths measured, in {@link Route}'s order whatever order they are given in
     */
    public record Options(Path out, double rate, double seconds, int connections, double closedSeconds,
            double warmupSeconds, int instances, List<String> policies, @Nullable String nginx,
            List<String> dispatcherJvm, Set<Route> paths) {

        public Options {
            if (!(rate > 0) || !(seconds > 0) || connections < 1 || !(closedSeconds > 0) || warmupSeconds < 0
                    || instances < 1 || policies.isEmpty() || paths.isEmpty()) {
                throw new IllegalArgumentException("http: --rate, --seconds, --connections, --closed-seconds and "
                        + "--instances must be positive, --warmup not negative, --policy and --paths not empty");
            }
            policies = List.copyOf(policies);
            dispatcherJvm = List.copyOf(dispatcherJvm);
            paths = Collections.unmodifiableSet(EnumSet.copyOf(paths));
        }
    }

    /** One path's results: the open-loop run and its statistics, and the closed-loop run. */
    record PathResult(Route route, String name, LoadGenerator.Run open, LatencyStats latency, LoadGenerator.Run closed,
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
        @Nullable Path nginxBin = o.paths().contains(Route.NGINX) ? NginxProxy.locate(o.nginx()) : null;
        @Nullable String nginxVersion = nginxBin == null ? null : NginxProxy.version(nginxBin);
        List<PathResult> results = new ArrayList<>();
        try (InstantEngine engine = new InstantEngine(o.instances(), DP_UNITS, ENGINE_THREADS);
                LoadGenerator load = new LoadGenerator(o.connections(), LOAD_THREADS)) {
            if (o.paths().contains(Route.DIRECT)) {
                results.add(measure(Route.DIRECT, "direct", "http://127.0.0.1:" + engine.ports().get(0), load, engine,
                        () -> 0));
            }
            if (nginxBin != null) {
                try (NginxProxy nginx = NginxProxy.start(nginxBin, o.out().resolve("nginx"), engine.ports(),
                        o.connections())) {
                    results.add(measure(Route.NGINX, "nginx", "http://127.0.0.1:" + nginx.port(), load, engine,
                            () -> CpuMeter.treeNanos(nginx.process())));
                }
            }
            if (o.paths().contains(Route.NETTY)) {
                try (ServingJvm proxy = ReactorNettyProxy.start(engine.ports(), o.connections(), o.dispatcherJvm(),
                        o.out().resolve("reactor-netty-proxy.log"))) {
                    results.add(measure(Route.NETTY, "reactor-netty proxy", "http://127.0.0.1:" + proxy.port(), load,
                            engine, () -> CpuMeter.treeNanos(proxy.process())));
                }
            }
            if (o.paths().contains(Route.DISPATCHER)) {
                for (String policy : o.policies()) {
                    try (Dispatcher d = Dispatcher.start(policy, engine.ports(), DP_UNITS, CHUNK_TOKENS,
                            o.dispatcherJvm(), o.out().resolve("dispatcher-" + policy + ".log"))) {
                        results.add(measure(Route.DISPATCHER, "dispatcher " + policy, "http://127.0.0.1:" + d.port(),
                                load, engine, () -> CpuMeter.treeNanos(d.process())));
                    }
                }
            }
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        HttpReport report = new HttpReport(o, results, nginxVersion, wall);
        ReportWriter.writeJson(o.out().resolve("summary.json"), report.summary());
        ReportWriter.writeText(o.out().resolve("report.md"), report.markdown());
    }

    private PathResult measure(Route route, String name, String url, LoadGenerator load, InstantEngine engine,
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
        return new PathResult(route, name, open, stats, closed, served, cpuUse);
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
