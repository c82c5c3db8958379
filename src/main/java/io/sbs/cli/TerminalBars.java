package io.sbs.cli;

import java.io.PrintStream;
import java.util.Optional;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jspecify.annotations.Nullable;

/**
 * The progress on a terminal: one bar per experiment (the {@code progressbar} library), with what ran last
 * beside it and the ETA of {@link Progress.Stage#eta}, the work-weighted one; a finished bar stays on screen
 * above the next. Notes are printed above the bar, which redraws itself on its next update.
 */
final class TerminalBars implements Progress.Display {

    /** Erases the line the cursor is on: the bar, before a note takes its place. */
    private static final String CLEAR_LINE = "\r\033[K";

    private final PrintStream out;
    private @Nullable ProgressBar bar;

    TerminalBars(PrintStream out) {
        this.out = out;
    }

    @Override
    public void opened(Progress.Stage stage, String stamp) {
        bar = new ProgressBarBuilder().setTaskName(stage.name).setInitialMax(stage.tasks)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(500).continuousUpdate()
                .setMaxRenderedLength(160)
                .setEtaFunction(state -> Optional.ofNullable(stage.eta(stage.nowNanos())))
                .build();
    }

    @Override
    public void advanced(Progress.Stage stage, String stamp, boolean force) {
        if (bar != null) {
            bar.stepTo(stage.done);
            bar.setExtraMessage(stage.last.isEmpty() ? "" : (stage.running ? "running " : "last ") + stage.last);
        }
    }

    @Override
    public void closed(Progress.Stage stage, String stamp) {
        if (bar != null) {
            bar.stepTo(stage.done);
            bar.setExtraMessage("");
            bar.close();
            bar = null;
        }
    }

    @Override
    public void note(String stamped) {
        out.print(CLEAR_LINE + stamped + "\n");
        out.flush();
        if (bar != null) {
            bar.refresh();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        out.flush();
    }
}
