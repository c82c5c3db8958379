package io.sbs.cli;

import java.io.PrintStream;
import java.time.Duration;

/**
 * The progress as plain lines, for a log or a pipe: a line when an experiment opens, when a task starts,
 * when the experiment closes, and otherwise at most and at least one per period (the heartbeat calls
 * {@link #advanced} every second).
 */
final class PlainLines implements Progress.Display {

    private final PrintStream out;
    private final long periodNanos;
    private long lastNanos = Long.MIN_VALUE;

    PlainLines(PrintStream out, Duration period) {
        this.out = out;
        this.periodNanos = period.toNanos();
    }

    @Override
    public void opened(Progress.Stage stage, String stamp) {
        print(stage, stamp);
    }

    @Override
    public void advanced(Progress.Stage stage, String stamp, boolean force) {
        long now = stage.nowNanos();
        if (!force && stage.done >= stage.tasks) {
            return; // the closing line says it
        }
        if (force || lastNanos == Long.MIN_VALUE || now - lastNanos >= periodNanos) {
            print(stage, stamp);
        }
    }

    @Override
    public void closed(Progress.Stage stage, String stamp) {
        print(stage, stamp);
    }

    @Override
    public void note(String stamped) {
        out.println(stamped);
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }

    private void print(Progress.Stage stage, String stamp) {
        long now = stage.nowNanos();
        out.println(stamp + stage.line(now));
        out.flush();
        lastNanos = now;
    }
}
