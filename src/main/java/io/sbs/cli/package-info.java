/**
 * What the command-line tools ({@code app/bench}, {@code app/chaos}, {@code app/engine-sim}) share besides
 * picocli: the progress of a long command ({@link io.sbs.cli.Progress}), a bar on a terminal and plain
 * periodic lines on standard error when the output goes to a file or a pipe, and the launch of a picocli
 * command with the exit codes the launchers document (0 ran, 1 failed, 2 bad usage). Nothing in the
 * product uses it.
 */
@NullMarked
package io.sbs.cli;

import org.jspecify.annotations.NullMarked;
