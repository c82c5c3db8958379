package io.sbs.chaos;

import io.sbs.chaos.ClientLoad.Outcome;
import io.sbs.chaos.ClientLoad.Result;
import io.sbs.sim.Stats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What the clients of one run (or of all runs, {@link #plus}) saw: requests sent, completed, failed with
 * an error the client was told, and lost (no answer within the timeout); {@code answers} counts them by
 * HTTP status or failure kind ({@code 200}, {@code 503}, {@code ConnectException}, {@code timeout}, ...).
 * Also the timing figures derived from the results, and percentile spreads over runs.
 */
record Tally(long sent, long completed, long failedWithError, long lost, Map<String, Long> answers) {

    static final Tally ZERO = new Tally(0, 0, 0, 0, Map.of());

    Tally {
        answers = Map.copyOf(answers);
    }

    static Tally of(List<Result> results) {
        long completed = 0;
        long failed = 0;
        long lost = 0;
        Map<String, Long> answers = new TreeMap<>();
        for (Result r : results) {
            switch (r.outcome()) {
                case COMPLETED -> completed++;
                case FAILED_WITH_ERROR -> failed++;
                case LOST -> lost++;
            }
            answers.merge(r.detail(), 1L, Long::sum);
        }
        return new Tally(results.size(), completed, failed, lost, answers);
    }

    Tally plus(Tally o) {
        Map<String, Long> a = new TreeMap<>(answers);
        o.answers.forEach((k, v) -> a.merge(k, v, Long::sum));
        return new Tally(sent + o.sent, completed + o.completed, failedWithError + o.failedWithError, lost + o.lost, a);
    }

    /** The counts under their summary names. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sent", sent);
        m.put("completed", completed);
        m.put("failed_with_error", failedWithError);
        m.put("lost", lost);
        m.put("answers", new TreeMap<>(answers));
        return m;
    }

    /**
     * Milliseconds from {@code atNanos} until the first completion of a request <em>sent</em> at or after
     * it (requests already in flight do not show that the service came back); null when none completed.
     */
    static @Nullable Double firstCompletionAfterMs(List<Result> results, long atNanos) {
        long first = Long.MAX_VALUE;
        for (Result r : results) {
            if (r.outcome() == Outcome.COMPLETED && r.sentNanos() - atNanos >= 0) {
                first = Math.min(first, r.endedNanos() - atNanos);
            }
        }
        return first == Long.MAX_VALUE ? null : ms(first);
    }

    /**
     * The longest pause in service: the longest interval between consecutive completions, from the first
     * completion until {@code untilNanos} (the end of the load), so a service that never came back shows
     * the whole silence. Zero when nothing completed.
     */
    static double longestPauseMs(List<Result> results, long untilNanos) {
        long[] done = results.stream().filter(r -> r.outcome() == Outcome.COMPLETED).mapToLong(Result::endedNanos)
                .sorted().toArray();
        if (done.length == 0) {
            return 0;
        }
        long longest = Math.max(0, untilNanos - done[done.length - 1]);
        for (int i = 1; i < done.length; i++) {
            longest = Math.max(longest, done[i] - done[i - 1]);
        }
        return ms(longest);
    }

    /**
     * {@code p50}, {@code p99} and {@code max} of {@code values} (nulls, runs without the figure, left out),
     * percentiles by linear interpolation as in the simulator's reports; every figure null when none is
     * left.
     */
    static Map<String, @Nullable Object> spread(List<@Nullable Double> values) {
        List<Double> present = new ArrayList<>();
        for (Double v : values) {
            if (v != null) {
                present.add(v);
            }
        }
        Map<String, @Nullable Object> m = new LinkedHashMap<>();
        if (present.isEmpty()) {
            m.put("p50", null);
            m.put("p99", null);
            m.put("max", null);
            return m;
        }
        Stats s = Stats.of(present.stream().mapToDouble(Double::doubleValue).toArray(), present.size());
        m.put("p50", round(s.p50()));
        m.put("p99", round(s.p99()));
        m.put("max", round(s.max()));
        return m;
    }

    /** Nanoseconds as milliseconds to a tenth. */
    static double ms(long nanos) {
        return round(nanos / 1e6);
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }
}
