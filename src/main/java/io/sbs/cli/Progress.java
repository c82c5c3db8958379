package io.sbs.cli;

import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The progress of a long command: its experiments one after another ({@link #stage}), each with the tasks
 * done of its total, what ran last or runs now (a load point and a policy, a drill's run), and an ETA;
 * and free-form notes ({@link #note}). On a terminal each experiment is a progress bar on standard error;
 * otherwise (the output piped or in a file, {@code System.console() == null}) plain lines on standard error:
 * one when an experiment starts and one when it ends, one when a task starts ({@link Stage#running}), and
 * one at least every {@link #PERIOD} in between, so a log shows a long run is alive. Standard output keeps
 * the command's results alone.
 *
 * <p>Thread-safe: the simulator suites finish tasks on a pool's threads.
 *
 * <p>The ETA of an experiment is its elapsed time scaled by the work left: tasks may weigh differently
 * (a search for a peak QPS runs several simulations, a load point one), and the estimate follows the work,
 * not the count.
 */
public final class Progress implements AutoCloseable {

    /** The longest quiet spell of the plain lines. */
    public static final Duration PERIOD = Duration.ofSeconds(10);

    private final String command;
    private final int experiments;
    private final Display display;
    private final LongSupplier nanos;
    private final long startNanos;
    private final @Nullable Path log;
    private final @Nullable ScheduledExecutorService heartbeat;
    private @Nullable Stage current;
    private int opened;

    private Progress(String command, int experiments, Display display, LongSupplier nanos, @Nullable Path log,
            boolean beat) {
        this.command = command;
        this.experiments = experiments;
        this.display = display;
        this.nanos = nanos;
        this.startNanos = nanos.getAsLong();
        this.log = log;
        if (beat) {
            heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, command + "-progress");
                t.setDaemon(true);
                return t;
            });
            heartbeat.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        } else {
            heartbeat = null;
        }
    }

    /**
     * The progress of {@code command} on this process's console: a bar when it is a terminal, plain lines on
     * standard error otherwise.
     *
     * @param experiments how many stages the command will open, 0 when it cannot tell
     * @param log         a file that gets every line and note as well (kept with the results), or null
     */
    public static Progress onConsole(String command, int experiments, @Nullable Path log) {
        Display display = onTerminal() ? new TerminalBars(System.err) : new PlainLines(System.err, PERIOD);
        return new Progress(command, experiments, display, System::nanoTime, log, true);
    }

    /**
     * Whether standard input and output are a terminal: {@code System.console()} on Java 17; from Java 22 on,
     * which gives a console to redirected processes too, also its {@code isTerminal()}.
     */
    public static boolean onTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** Plain lines on {@code out}, at least one every {@code period}, with no thread of its own (tests). */
    public static Progress lines(String command, int experiments, PrintStream out, Duration period,
            LongSupplier nanos) {
        return new Progress(command, experiments, new PlainLines(out, period), nanos, null, false);
    }

    /** Opens the next experiment of {@code tasks} tasks of one unit of work each, closing the one before. */
    public synchronized Stage stage(String experiment, int tasks) {
        return stage(experiment, tasks, tasks);
    }

    /** Opens the next experiment, of {@code tasks} tasks that weigh {@code work} units in all. */
    public synchronized Stage stage(String experiment, int tasks, double work) {
        if (current != null) {
            current.close();
        }
        opened++;
        String name = experiments > 1 ? opened + "/" + Math.max(experiments, opened) + " " + experiment : experiment;
        Stage s = new Stage(name, tasks, work, nanos.getAsLong());
        current = s;
        display.opened(s, stamp());
        written(stamp() + s.line(nanos.getAsLong()));
        return s;
    }

    /** A line of its own, between the progress: what a long command found on its way (the live bench's lines). */
    public synchronized void note(String line) {
        String stamped = stamp() + line;
        display.note(stamped);
        written(stamped);
    }

    /** Prints the current experiment when nothing was printed for a period (the heartbeat's call). */
    synchronized void tick() {
        if (current != null && !current.closed) {
            display.advanced(current, stamp(), false);
        }
    }

    @Override
    public synchronized void close() {
        if (current != null) {
            current.close();
        }
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        display.close();
    }

    private String stamp() {
        return String.format(Locale.ROOT, "[%s %4.0f s] ", command, (nanos.getAsLong() - startNanos) / 1e9);
    }

    private void written(String line) {
        if (log == null) {
            return;
        }
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + log, e);
        }
    }

    /** One experiment: its tasks done of its total, what runs or ran last, and its ETA. */
    public final class Stage implements AutoCloseable {

        final String name;
        final int tasks;
        final double work;
        final long openedNanos;
        int done;
        double workDone;
        String last = "";
        boolean running;
        boolean closed;

        private Stage(String name, int tasks, double work, long openedNanos) {
            this.name = name;
            this.tasks = tasks;
            this.work = work;
            this.openedNanos = openedNanos;
        }

        /** {@code what} starts now (a task of a sequence: a live run, a drill's run); always printed. */
        public void running(String what) {
            synchronized (Progress.this) {
                if (closed) {
                    return;
                }
                last = what;
                running = true;
                display.advanced(this, stamp(), true);
                written(stamp() + line(nanos.getAsLong()));
            }
        }

        /** A task of one unit of work is done; {@code what} names it (load point and policy). */
        public void done(String what) {
            done(what, 1);
        }

        /** A task of {@code units} of work is done. */
        public void done(String what, double units) {
            synchronized (Progress.this) {
                if (closed) {
                    return; // a task that outlived its experiment: the next one's bar is not its own
                }
                done++;
                workDone += units;
                last = what;
                running = false;
                display.advanced(this, stamp(), false);
            }
        }

        /** Closes the experiment (the next {@link Progress#stage} does too); prints its last line. */
        @Override
        public void close() {
            synchronized (Progress.this) {
                if (closed) {
                    return;
                }
                closed = true;
                display.closed(this, stamp());
                written(stamp() + line(nanos.getAsLong()));
            }
        }

        /** The ETA from the work done so far; empty before any is done. */
        @Nullable Duration eta(long now) {
            if (workDone <= 0 || work <= 0) {
                return null;
            }
            double elapsed = now - openedNanos;
            return Duration.ofNanos(Math.max(0, Math.round(elapsed / workDone * Math.max(0, work - workDone))));
        }

        long nowNanos() {
            return nanos.getAsLong();
        }

        /** {@code name: done/total ...} as the plain lines and the log show it. */
        String line(long now) {
            StringBuilder b = new StringBuilder(name).append(": ").append(done).append('/').append(tasks);
            if (closed) {
                return b.append(" done in ").append(human(Duration.ofNanos(now - openedNanos))).toString();
            }
            Duration eta = eta(now);
            if (eta != null) {
                b.append(", ETA ").append(human(eta));
            }
            if (!last.isEmpty()) {
                b.append(running ? "; running " : "; last ").append(last);
            }
            return b.toString();
        }
    }

    /** {@code 42 s}, {@code 3 min 5 s}, {@code 1 h 2 min}. */
    static String human(Duration d) {
        long s = Math.round(d.toMillis() / 1000.0);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        return s / 3600 + " h " + s % 3600 / 60 + " min";
    }

    /** Where the progress shows. Called with the progress's lock held. */
    interface Display {

        void opened(Stage stage, String stamp);

        /** The stage moved; {@code force}: print it whatever the period. */
        void advanced(Stage stage, String stamp, boolean force);

        void closed(Stage stage, String stamp);

        void note(String stamped);

        void close();
    }
}
