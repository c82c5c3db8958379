package io.sbs.chaos;

import io.sbs.cli.Cli;
import io.sbs.cli.HelpOption;
import io.sbs.cli.Progress;
import io.sbs.tools.JvmLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Entry point of {@code app/chaos <drill> [--runs N] [options] --out DIR [-- dispatcher-args...]}: one picocli
 * subcommand per drill, their options shared ({@link DrillOptions}) and built into a {@link ChaosOptions}.
 */
@Command(name = "app/chaos", synopsisSubcommandLabel = "<drill>",
        description = "Runs a chaos drill against real processes.",
        footer = {"", "Every run starts real processes (redis-server, engine simulators, two dispatcher JVMs) under a "
            + "temporary directory and kills them at the end; results go to DIR/summary.json and DIR/summary.md, the "
            + "processes' logs to DIR/logs/. Needs redis-server on the PATH (apt-get install -y redis-server). "
            + "Progress goes to standard error: a bar on a terminal, plain lines when piped."},
        subcommands = {ChaosCommand.Failover.class, ChaosCommand.Fence.class, ChaosCommand.Sentinel.class,
            HelpCommand.class})
public final class ChaosCommand implements Callable<Integer> {

    private final JvmLauncher launcher;

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    private ChaosCommand(JvmLauncher launcher) {
        this.launcher = launcher;
    }

    /** Runs a drill; returns the process exit code (0 ran, 1 failed, 2 bad usage). */
    public static int run(String[] args) {
        return run(args, JvmLauncher.ofThisJvm());
    }

    static int run(String[] args, JvmLauncher launcher) {
        return Cli.execute(new ChaosCommand(launcher), args);
    }

    /**
     * {@code <drill> [--name value ...] [-- spring-args...]} as a drill's settings; a bad command line is an
     * {@link IllegalArgumentException} with picocli's message.
     */
    static ChaosOptions parse(String[] args) {
        CommandLine line = Cli.commandLine(new ChaosCommand(JvmLauncher.ofThisJvm()));
        try {
            CommandLine.ParseResult drill = line.parseArgs(args).subcommand();
            if (drill == null || !(drill.commandSpec().userObject() instanceof DrillCommand command)) {
                throw new IllegalArgumentException("name a drill: failover, fence or sentinel");
            }
            command.spec = drill.commandSpec();
            return command.options();
        } catch (CommandLine.UnmatchedArgumentException e) {
            throw new IllegalArgumentException("unknown drill '" + (args.length > 0 ? args[0] : "")
                    + "'; drills: failover, fence, sentinel (" + e.getMessage() + ")", e);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "name a drill: failover, fence or sentinel");
    }

    /** Where the drills' Redis runs; the sentinel drill brings its own. */
    enum RedisShape {
        STANDALONE, CLUSTER;

        /** As the option and {@link ChaosOptions#redis} spell it. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The options every drill takes. */
    static final class DrillOptions {

        @Option(names = "--out", required = true, paramLabel = "DIR",
                description = "Where summary.json, summary.md and logs/ go.")
        Path out;

        @Option(names = "--runs", paramLabel = "N", defaultValue = "1", description = "Faults injected, one per run. Default: "
                + "${DEFAULT-VALUE}.")
        int runs;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1", description = "Seeds the moments of the faults. Default: "
                + "${DEFAULT-VALUE}.")
        long seed;

        @Option(names = "--qps", paramLabel = "QPS", defaultValue = "20", description = "Client requests per second over both "
                + "dispatchers. Default: ${DEFAULT-VALUE}.")
        double qps;

        @Option(names = "--policy", defaultValue = "sbs", paramLabel = "POLICY", description = "The dispatchers' sbs.policy. Default: "
                + "${DEFAULT-VALUE}.")
        String policy;

        @Option(names = "--after", defaultValue = "3", paramLabel = "SECONDS",
                description = "How long the load goes on after the service recovered. Default: ${DEFAULT-VALUE}.")
        double after;

        @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
                description = "A request without an answer by then is lost. Default: ${DEFAULT-VALUE}.")
        double timeout;

        @Option(names = "--redis", defaultValue = "standalone", paramLabel = "standalone|cluster",
                description = "One redis-server, or a Redis Cluster of three masters (redis-cli --cluster create); "
                        + "failover and fence only. Default: ${DEFAULT-VALUE}.")
        RedisShape redis;

        @Option(names = "--redis-configs", paramLabel = "DIR", description = "The sentinel drill's configurations; "
                + "default: the repository's redis/.")
        @Nullable Path redisConfigs;

        @Option(names = "--push", description = "The prefill engines push EndForward through the dispatchers; "
                + "without it they push nothing, as stock engines.")
        boolean push;

        @Parameters(paramLabel = "SPRING-ARGS", arity = "0..*",
                description = "After --: Spring arguments for both dispatchers (--sbs.state.lease-ttl=2s ...).")
        List<String> dispatcherArgs = new ArrayList<>();
    }

    /** A drill's subcommand: its options, built into a {@link ChaosOptions} and run by {@link #drill}. */
    abstract static class DrillCommand implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @ParentCommand
        @Nullable ChaosCommand parent;

        @Mixin
        HelpOption help;

        @Mixin
        DrillOptions o;

        ChaosOptions options() {
            if (!o.dispatcherArgs.isEmpty() && !spec.commandLine().getParseResult().originalArgs().contains("--")) {
                throw new ParameterException(spec.commandLine(), "unexpected argument '" + o.dispatcherArgs.get(0)
                        + "'; Spring arguments for the dispatchers go after --");
            }
            return new ChaosOptions(spec.name(), o.runs, o.seed, o.qps, o.policy, o.out, seconds(o.after),
                    seconds(o.timeout), o.redisConfigs != null ? o.redisConfigs : ChaosOptions.defaultRedisConfigs(),
                    o.dispatcherArgs, o.redis.toString(), o.push);
        }

        @Override
        public Integer call() {
            return requireNonNull(parent).drill(options());
        }

        private static ChaosCommand requireNonNull(@Nullable ChaosCommand parent) {
            if (parent == null) {
                throw new IllegalStateException("a drill runs under app/chaos");
            }
            return parent;
        }
    }

    @Command(name = "failover", description = {"SIGKILL the leader at a random moment: takeover_ms, sent, completed, "
        + "failed_with_error, lost, registered_instance_served_after_takeover; with --push the engines push "
        + "EndForward through the dispatchers in turn, and push_readiness_after_takeover_ms."})
    static final class Failover extends DrillCommand {
    }

    @Command(name = "fence", description = "SIGSTOP the leader past its lease, let the standby take over, SIGCONT: "
            + "stale writes.")
    static final class Fence extends DrillCommand {
    }

    @Command(name = "sentinel", description = {"SIGKILL the Redis master (2 replicas, 3 Sentinels; --redis-configs "
        + "DIR, default the repository's redis/): pause in service, and lost."})
    static final class Sentinel extends DrillCommand {
    }

    private int drill(ChaosOptions options) {
        try (Progress progress = Progress.onConsole(options.drill(), 1, null);
                Harness harness = new Harness(options, launcher)) {
            Drill drill = switch (options.drill()) {
                case "failover" -> new FailoverDrill(harness, options);
                case "fence" -> new FenceDrill(harness, options);
                case "sentinel" -> new SentinelDrill(harness, options);
                default -> throw new IllegalArgumentException("unknown drill " + options.drill());
            };
            drill.reportTo(progress.stage(options.drill() + " runs, policy " + options.policy(), options.runs()));
            DrillReport report = drill.run();
            report.write(options.out(), options);
            progress.close();
            System.out.print(report.markdown(options));
            System.out.println("wrote " + options.out().resolve("summary.json") + " and summary.md; logs in "
                    + options.out().resolve("logs"));
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("app/chaos: interrupted");
            return 1;
        } catch (Exception e) {
            System.err.println("app/chaos: " + options.drill() + " failed: " + e.getMessage());
            e.printStackTrace();
            return 1;
        }
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
