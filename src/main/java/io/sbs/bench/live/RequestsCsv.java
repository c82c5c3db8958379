package io.sbs.bench.live;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * {@code requests.csv} of {@link LiveBench}: one line per request of every run, so a run can be looked at over
 * time (a drift within it, a stall of the client) and not only through its percentiles. Times in milliseconds
 * from the run's start; {@code ttft_ms} is empty without a first token.
 */
final class RequestsCsv {

    private RequestsCsv() {
    }

    /**
     * Appends the run's requests to {@code file}, with the header when the file is new; {@code warmup} is how
     * long after its start the run is measured.
     */
    static void append(Path file, String policy, double load, StreamingClient.Replay replay, long warmup) {
        StringBuilder sb = new StringBuilder();
        if (!Files.exists(file)) {
            sb.append("policy,load,due_ms,prompt_tokens,send_lag_ms,ttft_ms,outcome,measured\n");
        }
        for (Outcome r : replay.outcomes()) {
            long due = r.dueNanos() - replay.startNanos();
            sb.append(String.format(Locale.ROOT, "%s,%s,%.3f,%d,%.3f,%s,%s,%b%n", policy, load, due / 1e6,
                    r.promptTokens(), (r.sentNanos() - r.dueNanos()) / 1e6,
                    r.firstContentNanos() == Outcome.NONE ? ""
                            : String.format(Locale.ROOT, "%.3f", (r.firstContentNanos() - r.dueNanos()) / 1e6),
                    r.key(), due >= warmup));
        }
        try {
            Files.writeString(file, sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
