package io.sbs.chaos;

import io.sbs.cli.Progress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A drill over a {@link Harness}: its runs, and how each run's load ends and is counted. */
abstract class Drill {

    /** How long the accepted-request buffer gets to drain after a run's last answer. */
    static final Duration DRAIN = Duration.ofSeconds(5);

    final Harness h;
    final ChaosOptions o;
    private Tally total = Tally.ZERO;
    private long bufferLeft;
    private @Nullable Progress.Stage progress;
    private int ended;

    Drill(Harness harness, ChaosOptions options) {
        this.h = harness;
        this.o = options;
    }

    /** Counts each run in {@code stage} as it ends; the first is taken to start now, each next as one ends. */
    void reportTo(Progress.Stage stage) {
        this.progress = stage;
        stage.running("run 1");
    }

    /** Starts the processes, runs {@code o.runs()} faults, and reports. */
    abstract DrillReport run() throws Exception;

    /**
     * A run's load once stopped: every request's result, when the load stopped ({@link System#nanoTime}),
     * the counts, and what was left in the buffer (null when Redis did not answer).
     */
    record Ended(List<ClientLoad.Result> results, long stoppedNanos, Tally tally, @Nullable Long bufferLeft) {

        /** Adds {@code longest_pause_ms}, the counts and {@code buffer_left} to a run's record. */
        void into(Map<String, @Nullable Object> run) {
            run.put("longest_pause_ms", longestPauseMs());
            run.putAll(tally.toMap());
            run.put("buffer_left", bufferLeft);
        }

        double longestPauseMs() {
            return Tally.longestPauseMs(results, stoppedNanos);
        }
    }

    /**
     * Stops {@code load}, waits for every answer and for the buffer to drain, and counts, also towards the
     * drill's totals.
     */
    Ended end(ClientLoad load) throws InterruptedException {
        long stopped = load.stop();
        List<ClientLoad.Result> results = load.results();
        Ended ended = new Ended(results, stopped, Tally.of(results), h.bufferLeft(DRAIN));
        total = total.plus(ended.tally());
        bufferLeft += ended.bufferLeft() == null ? 0 : ended.bufferLeft();
        this.ended++;
        if (progress != null) {
            progress.done("run " + this.ended + ": " + ended.tally().sent() + " sent, " + ended.tally().lost() + " lost");
            if (this.ended < o.runs()) {
                progress.running("run " + (this.ended + 1));
            }
        }
        return ended;
    }

    /** The counts and {@code buffer_left} summed over the runs so far, for the overall figures. */
    void totalsInto(Map<String, @Nullable Object> overall) {
        overall.putAll(total.toMap());
        overall.put("buffer_left", bufferLeft);
    }
}
