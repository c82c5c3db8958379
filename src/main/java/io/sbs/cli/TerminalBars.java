package io.sbs.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Optional;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jspecify.annotations.Nullable;

/**
 * The progress on a terminal: one bar per experiment (the {@code progressbar} library), with what ran last
 * beside it and the ETA of {@link Progress.Stage#eta}, the work-weighted one; a finished bar stays on screen
 * above the next. Notes, and the command's own lines on standard output (a drill's line per run), take the
 * bar's line and the bar redraws itself below them on its next update: the bar is drawn with a carriage
 * return alone, never by moving the cursor up, so lines printed between two updates cannot be overwritten.
 */
final class TerminalBars implements Progress.Display {

    /** Erases the line the cursor is on: the bar, before a note takes its place. */
    private static final String CLEAR_LINE = "\r\033[K";

    private final PrintStream out;
    private final PrintStream stdout;
    private @Nullable ProgressBar bar;

    TerminalBars(PrintStream out) {
        this.out = out;
        this.stdout = System.out;
        System.setOut(new PrintStream(new ClearingBar(stdout), true));
    }

    @Override
    public void opened(Progress.Stage stage, String stamp) {
        bar = new ProgressBarBuilder().setTaskName(stage.name).setInitialMax(stage.tasks)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(500).continuousUpdate()
                .setConsumer(new ConsoleProgressBarConsumer(out))
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
        System.out.flush();
        System.setOut(stdout);
    }

    /** Standard output that erases the bar's line before each line of its own. */
    private static final class ClearingBar extends FilterOutputStream {

        private boolean lineStart = true;

        ClearingBar(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (lineStart) {
                out.write(CLEAR_LINE.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            out.write(b);
            lineStart = b == '\n';
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }
    }
}
