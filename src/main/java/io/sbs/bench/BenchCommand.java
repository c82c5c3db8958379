package io.sbs.bench;

import io.sbs.cli.Cli;
import io.sbs.cli.HelpOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Entry point of {@code app/bench <suite> [options] --out DIR}: one picocli subcommand per suite
 * ({@link SimulatorSuites} for those on the simulator, {@link ProcessSuites} for those that start processes),
 * {@code --help} on each. {@code jmh} runs from the test classpath, so the launcher runs it, not this.
 */
@Command(name = "app/bench", synopsisSubcommandLabel = "<suite>",
        description = "Runs a benchmark suite and writes summary.json and report.md (and plots) under --out.",
        footer = {"", "Progress goes to standard error: a bar on a terminal, plain lines when piped.",
            "app/bench <suite> --help lists a suite's options; docs/benchmarks.md says what each measures."},
        subcommands = {SimulatorSuites.Paper.class, SimulatorSuites.Decode.class, SimulatorSuites.Replay.class,
            SimulatorSuites.Scale.class, ProcessSuites.Http.class, ProcessSuites.Live.class,
            SimulatorSuites.Preview.class, ProcessSuites.Jmh.class, HelpCommand.class})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a suite; returns the process exit code (0 ok, 1 failed, 2 bad usage). */
    public static int run(String[] args) {
        return Cli.execute(new BenchCommand(), args);
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "name a suite");
    }

    /** {@code wrote DIR/summary.json and DIR/report.md}, the last line of every suite. */
    static void wrote(Path out) {
        System.out.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.md"));
    }
}
