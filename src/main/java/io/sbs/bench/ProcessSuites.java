package io.sbs.bench;

import io.sbs.bench.http.HttpBench;
import io.sbs.bench.live.LiveBench;
import io.sbs.bench.live.TraceBench;
import io.sbs.cli.Cli;
import io.sbs.cli.HelpOption;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** The suites of {@code app/bench} that start processes of their own (nginx, engine simulators, dispatchers). */
final class ProcessSuites {

    private ProcessSuites() {
    }

    @Command(name = "http", description = {"The dispatcher's added latency and throughput against nginx and a bare "
        + "Reactor Netty proxy (the floor), over instant engines (needs nginx: apt-get install -y nginx-light)."})
    static final class Http implements Callable<Integer> {

        @Mixin
        HelpOption help;

        @Mixin
        SimulatorSuites.Out out;

        @Option(names = "--rate", paramLabel = "PER_S", defaultValue = "2000", description = "Open-loop requests/s. Default: ${DEFAULT-VALUE}.")
        double rate;

        @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "20", description = "Open-loop seconds. Default: ${DEFAULT-VALUE}.")
        double seconds;

        @Option(names = "--connections", paramLabel = "N", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
        int connections;

        @Option(names = "--closed-seconds", paramLabel = "SECONDS", defaultValue = "5", description = "Closed-loop seconds. Default: "
                + "${DEFAULT-VALUE}.")
        double closedSeconds;

        @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "30", description = "Seconds. Default: ${DEFAULT-VALUE}.")
        double warmup;

        @Option(names = "--instances", paramLabel = "N", defaultValue = "3", description = "Default: ${DEFAULT-VALUE}.")
        int instances;

        @Option(names = "--policy", split = ",", defaultValue = "round-robin", paramLabel = "P[,P...]", hideParamSyntax = true,
                description = "The dispatcher's policies, one run each. Default: ${DEFAULT-VALUE}.")
        List<String> policies;

        @Option(names = "--nginx", paramLabel = "PATH", description = "The nginx binary; by default found on the PATH.")
        @Nullable String nginx;

        @Option(names = "--dispatcher-jvm", defaultValue = HttpBench.DEFAULT_DISPATCHER_JVM_OPTIONS, paramLabel = "OPTS",
                description = "The JVM options of the dispatcher and of the Reactor Netty proxy. Default: ${DEFAULT-VALUE}.")
        String dispatcherJvm;

        @Option(names = "--paths", split = ",", defaultValue = "direct,nginx,netty,dispatcher", paramLabel = "PATH[,PATH...]",
                hideParamSyntax = true, description = "The paths measured, of direct (the engines), nginx, netty (a bare "
                + "Reactor Netty proxy in its own JVM: the floor) and dispatcher. Default: ${DEFAULT-VALUE}.")
        List<String> paths;

        @Override
        public Integer call() {
            Set<HttpBench.Route> routes = EnumSet.noneOf(HttpBench.Route.class);
            Cli.words(paths).forEach(p -> routes.add(HttpBench.Route.of(p)));
            HttpBench.Options o = new HttpBench.Options(out.out, rate, seconds, connections, closedSeconds, warmup,
                    instances, Cli.words(policies), nginx, Cli.words(dispatcherJvm, "\\s+"), routes);
            return runsProcesses(out.out, () -> new HttpBench(o).run());
        }
    }

    @Command(name = "live", description = {
        "The policies over engine-sim processes in real time (no EndForward push unless --push), the dispatcher in its "
            + "own JVM; TTFT at the client at each fraction of the measured capacity.",
        "With --trace: a Mooncake trace's first requests in real time, prompts made of token ids per hash id, over "
            + "engine-sim processes with a prefix cache; TTFT and prefix hit ratio per policy."})
    static final class Live implements Callable<Integer> {

        private static final List<String> LOAD_ONLY = List.of("--loads", "--seconds", "--warmup", "--capacity-seconds",
                "--capacity", "--poll-rate", "--poll-seconds");
        private static final List<String> TRACE_ONLY = List.of("--limit", "--time-scale", "--kv-cache-tokens");

        @Spec
        CommandSpec spec;

        @Mixin
        HelpOption help;

        @Mixin
        SimulatorSuites.Out out;

        @Option(names = "--trace", paramLabel = "FILE", description = "A Mooncake trace to replay instead of the loads.")
        @Nullable Path trace;

        @Option(names = "--instances", paramLabel = "N",
                description = "Engine-sim instances. Default: 2, 1 with --trace.")
        @Nullable Integer instances;

        @Option(names = "--profile", paramLabel = "NAME", description = "Default: paper, long with --trace.")
        @Nullable String profile;

        @Option(names = "--policies", split = ",", paramLabel = "P[,P...]", hideParamSyntax = true, description = "Default: sbs,"
                + "least-outstanding-tokens,earliest-finish-time,round-robin; sbs,sbs-cache with --trace.")
        @Nullable List<String> policies;

        @Option(names = "--push", description = "The engines push EndForward to the dispatcher.")
        boolean push;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
        long seed;

        @Option(names = "--dispatcher-jvm", defaultValue = HttpBench.DEFAULT_DISPATCHER_JVM_OPTIONS, paramLabel = "OPTS",
                description = "The dispatcher JVM's options. Default: ${DEFAULT-VALUE}.")
        String dispatcherJvm;

        @Option(names = "--dispatcher-args", defaultValue = "", paramLabel = "ARGS",
                description = "Spring arguments for the dispatcher, e.g. --dispatcher-args=\"--sbs.x=y ...\".")
        String dispatcherArgs;

        @Option(names = "--loads", split = ",", defaultValue = "0.4,0.7,0.9", paramLabel = "F[,F...]", hideParamSyntax = true,
                description = "Fractions of the measured capacity. Default: ${DEFAULT-VALUE}.")
        List<Double> loads;

        @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "25", description = "Seconds per run. Default: ${DEFAULT-VALUE}.")
        double seconds;

        @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "5", description = "Seconds, not measured. Default: ${DEFAULT-VALUE}.")
        double warmup;

        @Option(names = "--capacity-seconds", paramLabel = "SECONDS", defaultValue = "15", description = "Default: ${DEFAULT-VALUE}.")
        double capacitySeconds;

        @Option(names = "--capacity", paramLabel = "RPS", description = "The capacity, instead of measuring it.")
        @Nullable Double capacity;

        @Option(names = "--poll-rate", paramLabel = "PER_S", defaultValue = "100", description = "Load polls/s of the poll-cost "
                + "measurement; 0 skips it. Default: ${DEFAULT-VALUE}.")
        double pollRate;

        @Option(names = "--poll-seconds", paramLabel = "SECONDS", defaultValue = "10", description = "Default: ${DEFAULT-VALUE}.")
        double pollSeconds;

        @Option(names = "--limit", defaultValue = "400", paramLabel = "N", description = "With --trace: its first N requests. Default: "
                + "${DEFAULT-VALUE}.")
        int limit;

        @Option(names = "--time-scale", defaultValue = "1", paramLabel = "X",
                description = "With --trace. Default: ${DEFAULT-VALUE}.")
        double timeScale;

        @Option(names = "--kv-cache-tokens", defaultValue = "0", paramLabel = "N",
                description = "With --trace: each DP unit's prefix cache; 0 for the profile's. Default: ${DEFAULT-VALUE}.")
        long kvCacheTokens;

        @Override
        public Integer call() {
            List<String> other = trace == null ? TRACE_ONLY : LOAD_ONLY;
            for (String name : other) {
                if (spec.commandLine().getParseResult().hasMatchedOption(name)) {
                    throw new ParameterException(spec.commandLine(), name + (trace == null ? " needs --trace"
                            : " does not go with --trace"));
                }
            }
            List<String> jvm = Cli.words(dispatcherJvm, "\\s+");
            List<String> args = Cli.words(dispatcherArgs, "\\s+");
            if (trace != null) {
                TraceBench.Options o = new TraceBench.Options(out.out, trace, instances == null ? 1 : instances,
                        profile == null ? "long" : profile, policies == null ? List.of("sbs", "sbs-cache")
                                : Cli.words(policies), limit, timeScale, kvCacheTokens, push, seed, jvm, args);
                return runsProcesses(out.out, () -> new TraceBench(o).run());
            }
            LiveBench.Options o = new LiveBench.Options(out.out, instances == null ? 2 : instances,
                    profile == null ? "paper" : profile, loads, policies == null ? List.of("sbs",
                            "least-outstanding-tokens", "earliest-finish-time", "round-robin") : Cli.words(policies),
                    push, seconds, seed, warmup, capacitySeconds, capacity, pollRate, pollSeconds, jvm, args);
            return runsProcesses(out.out, () -> new LiveBench(o).run());
        }
    }

    @Command(name = "jmh", description = "Allocation micro-benchmarks (JMH options); app/bench runs them from the "
            + "test classpath.")
    static final class Jmh implements Callable<Integer> {

        @Unmatched
        List<String> jmhOptions;

        @Override
        public Integer call() {
            System.err.println("the jmh suite runs from the test classpath: use app/bench jmh");
            return Cli.USAGE;
        }
    }

    /** A suite that starts processes of its own (nginx, engine simulators, dispatchers). */
    @FunctionalInterface
    private interface ProcessSuite {
        void run() throws InterruptedException;
    }

    /**
     * Runs {@code suite}; a process that is missing or would not start ends it with the message alone, which
     * says what to do or names the log that says why, without a stack trace.
     */
    private static int runsProcesses(Path out, ProcessSuite suite) {
        try {
            suite.run();
        } catch (HttpBench.SetupException | IllegalStateException e) {
            System.err.println("app/bench: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("app/bench: interrupted");
            return 1;
        }
        BenchCommand.wrote(out);
        return 0;
    }
}
