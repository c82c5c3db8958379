package io.sbs.bench.live;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** The live benches' progress lines: on the console, and kept in {@code live.log} so a long run can be read later. */
final class ProgressLog {

    private ProgressLog() {
    }

    /** Writes {@code line}, stamped with the seconds since {@code startNanos}, to the console and {@code out/live.log}. */
    static void write(Path out, long startNanos, String line) {
        String stamped = String.format(Locale.ROOT, "[live %4.0f s] %s", (System.nanoTime() - startNanos) / 1e9, line);
        System.out.println(stamped);
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve("live.log"), stamped + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve("live.log"), e);
        }
    }
}
