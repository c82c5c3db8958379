package io.sbs.cli;

import picocli.CommandLine.Option;

/** {@code -h, --help} on every command and subcommand, mixed in with {@code @Mixin}. */
public final class HelpOption {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Shows this help and exits.")
    boolean help;
}
