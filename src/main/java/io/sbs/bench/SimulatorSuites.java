package io.sbs.bench;

import io.sbs.cli.Cli;
import io.sbs.cli.HelpOption;
import io.sbs.cli.Progress;
import io.sbs.formats.TraceFormat;
import io.sbs.sim.Signals;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The suites of {@code app/bench} that run in the simulator, each a picocli subcommand. */
final class SimulatorSuites {

    private SimulatorSuites() {
    }

    /** {@code --out DIR}, which every suite needs. */
    static final class Out {

        @Option(names = "--out", required = true, paramLabel = "DIR",
                description = "Where summary.json, report.md and the plots go.")
        Path out;
    }

    @Command(name = "paper", description = {"The paper's experiments on the profiles paper, divided and long: TTFT vs "
        + "load, prefill capacity, decode (by output-length knowledge) and the coupled P/D run, every policy on the "
        + "same seeds."})
    static final class Paper implements Callable<Integer> {

        @Mixin
        HelpOption help;

        @Mixin
        Out out;

        @Option(names = "--signals", defaultValue = "push", paramLabel = "push|stock",
                description = "push: the engines push EndForward, the paper's setting; stock: no push, as stock SGLang "
                        + "and vLLM (first tokens and load polls only). Default: ${DEFAULT-VALUE}.")
        Signals signals;

        @Option(names = "--seeds", split = ",", defaultValue = "1,2", paramLabel = "S[,S...]", hideParamSyntax = true,
                description = "Seeds per point. Default: ${DEFAULT-VALUE}.")
        List<Long> seeds;

        @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "60",
                description = "Measured virtual seconds per point. Default: ${DEFAULT-VALUE}.")
        double seconds;

        @Option(names = "--decode-seconds", paramLabel = "SECONDS", defaultValue = "240",
                description = "Measured virtual seconds of each decode run. Default: ${DEFAULT-VALUE}.")
        double decodeSeconds;

        @Option(names = "--prefill-instances", defaultValue = "0", paramLabel = "N",
                description = "Overrides every profile's prefill instance count; 0 keeps the profiles'. Default: "
                        + "${DEFAULT-VALUE}.")
        int prefillInstances;

        @Override
        public Integer call() {
            try (Progress progress = Progress.onConsole("paper", PaperSuite.EXPERIMENTS, null)) {
                new PaperSuite(out.out, seeds, seconds, decodeSeconds, prefillInstances, signals, progress).run();
            }
            BenchCommand.wrote(out.out);
            return 0;
        }
    }

    @Command(name = "decode", description = {"The decode experiment alone: output-length knowledge x profiles paper "
        + "and divided x three seeds, every decode baseline against SBS, and the coupled P/D run."})
    static final class Decode implements Callable<Integer> {

        @Mixin
        HelpOption help;

        @Mixin
        Out out;

        @Option(names = "--seeds", split = ",", defaultValue = "1,2,3", paramLabel = "S[,S...]", hideParamSyntax = true,
                description = "Seeds (the first three, or the first and the next ones). Default: ${DEFAULT-VALUE}.")
        List<Long> seeds;

        @Option(names = "--decode-seconds", paramLabel = "SECONDS", defaultValue = "240",
                description = "Measured virtual seconds of each decode run. Default: ${DEFAULT-VALUE}.")
        double decodeSeconds;

        @Override
        public Integer call() {
            try (Progress progress = Progress.onConsole("decode", 2, null)) {
                DecodeSuite.standalone(out.out, DecodeSuite.threeSeeds(seeds), decodeSeconds, progress);
            }
            BenchCommand.wrote(out.out);
            return 0;
        }
    }

    @Command(name = "replay", description = {"Replays a trace through every policy (or those named); stock signals "
        + "unless --signals push. With --scenario, a Mooncake trace from --traces on profile long at its documented "
        + "time scale, with the cache policies (docs/benchmarks.md, \"Prefix caching\")."})
    static final class Replay implements Callable<Integer> {

        @Mixin
        HelpOption help;

        @Mixin
        Out out;

        @Option(names = "--trace", paramLabel = "FILE", description = "The trace; required unless --scenario.")
        @Nullable Path trace;

        @Option(names = "--scenario", paramLabel = "NAME",
                description = "mooncake-conversation or mooncake-synthetic.")
        @Nullable String scenario;

        @Option(names = "--traces", defaultValue = "../shared/traces", paramLabel = "DIR",
                description = "Where a scenario's trace is. Default: ${DEFAULT-VALUE}.")
        Path traces;

        @Option(names = "--format", paramLabel = "azure|mooncake",
                description = "The trace's format; by default told from the file.")
        @Nullable TraceFormat format;

        @Option(names = "--time-scale", paramLabel = "X",
                description = "Arrival times multiplied by X. Default: 1, or the scenario's.")
        @Nullable Double timeScale;

        @Option(names = "--profile", paramLabel = "NAME", description = "Default: paper, or the scenario's.")
        @Nullable String profile;

        @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
                description = "The trace's first N requests; 0 for all. Default: ${DEFAULT-VALUE}.")
        int limit;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
        long seed;

        @Option(names = "--signals", defaultValue = "stock", paramLabel = "stock|push",
                description = "Default: ${DEFAULT-VALUE}.")
        Signals signals;

        @Option(names = "--policies", split = ",", paramLabel = "P[,P...]", hideParamSyntax = true,
                description = "Default: every registered policy, or the scenario's.")
        @Nullable List<String> policies;

        @Override
        public Integer call() {
            ReplaySuite.Scenario named = scenario == null ? null : ReplaySuite.Scenario.named(scenario);
            Path file = trace != null ? trace : named != null ? traces.resolve(named.traceFile()) : null;
            if (file == null) {
                throw new IllegalArgumentException("missing --trace (or --scenario)");
            }
            List<String> chosen = policies != null ? Cli.words(policies) : named != null ? named.policies() : List.of();
            try (Progress progress = Progress.onConsole("replay", 1, null)) {
                new ReplaySuite(out.out, file, format != null ? format : TraceFormat.detect(file),
                        timeScale != null ? timeScale : named != null ? named.timeScale() : 1,
                        profile != null ? profile : named != null ? named.profile() : "paper", limit, seed, signals,
                        chosen, progress).run();
            }
            BenchCommand.wrote(out.out);
            return 0;
        }
    }

    @Command(name = "scale", description = "Hours of virtual time on 384 prefill and 320 decode DP units under SBS: "
            + "the simulator's and the core's speed at production size.")
    static final class Scale implements Callable<Integer> {

        @Mixin
        HelpOption help;

        @Mixin
        Out out;

        @Option(names = "--hours", paramLabel = "HOURS", defaultValue = "1", description = "Virtual hours. Default: ${DEFAULT-VALUE}.")
        double hours;

        @Option(names = "--qps", paramLabel = "QPS", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}.")
        double qps;

        @Option(names = "--signals", defaultValue = "push", paramLabel = "push|stock",
                description = "Default: ${DEFAULT-VALUE}.")
        Signals signals;

        @Override
        public Integer call() {
            try (Progress progress = Progress.onConsole("scale", 1, null)) {
                new ScaleSuite(out.out, hours, qps, signals, progress).run();
            }
            BenchCommand.wrote(out.out);
            return 0;
        }
    }

    @Command(name = "preview", description = "Policy previews (what-if) over a recorded window of that traffic; goal: "
            + "each within 10 s.")
    static final class Preview implements Callable<Integer> {

        @Mixin
        HelpOption help;

        @Mixin
        Out out;

        @Option(names = "--qps", paramLabel = "QPS", defaultValue = "400", description = "Default: ${DEFAULT-VALUE}.")
        double qps;

        @Option(names = "--minutes", paramLabel = "MINUTES", defaultValue = "10", description = "The recorded window. Default: ${DEFAULT-VALUE}.")
        double minutes;

        @Option(names = "--profile", defaultValue = "divided", paramLabel = "NAME",
                description = "Default: ${DEFAULT-VALUE}.")
        String profile;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
        long seed;

        @Override
        public Integer call() {
            new PreviewSuite(out.out, qps, minutes, profile, seed).run();
            BenchCommand.wrote(out.out);
            return 0;
        }
    }
}
