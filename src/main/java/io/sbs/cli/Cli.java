package io.sbs.cli;

import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs a picocli command the way every launcher does: enum values in any case ({@code --signals PUSH} or
 * {@code push}), a bad option or value answered with the message and the command's usage on standard error
 * and exit code 2, {@code --help} on any command or subcommand, and the exit code of the command otherwise
 * (0 ran, 1 failed).
 */
public final class Cli {

    /** The exit code of a bad command line. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;

    private Cli() {
    }

    /** The command line of {@code command}, configured as {@link #execute} runs it (for tests and parsing). */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpAutoWidth(true);
        // a suite that finds a value it cannot use (a rate of 0, a missing trace) says so as a bad option would
        cl.setExecutionExceptionHandler((e, line, parseResult) -> {
            if (e instanceof IllegalArgumentException) {
                line.getErr().println(line.getColorScheme().errorText(line.getCommandSpec().qualifiedName() + ": " + e.getMessage()));
                line.usage(line.getErr(), line.getColorScheme());
                return USAGE;
            }
            throw e;
        });
        return cl;
    }

    /** Runs {@code command} on {@code args}; returns the exit code. */
    public static int execute(Object command, String... args) {
        return commandLine(command).execute(args);
    }

    /** The non-empty items of {@code text} split at {@code separator} (a regular expression), trimmed. */
    public static List<String> words(String text, String separator) {
        return Arrays.stream(text.split(separator)).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The non-empty items of a list option split at commas, trimmed ({@code --policies "sbs, round-robin"}). */
    public static List<String> words(List<String> items) {
        return items.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
