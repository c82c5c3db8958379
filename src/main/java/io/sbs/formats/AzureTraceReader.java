package io.sbs.formats;

import io.sbs.sim.WorkloadRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the Azure LLM inference trace CSV: a header {@code TIMESTAMP,ContextTokens,GeneratedTokens}, then
 * one request per row, timestamps such as {@code 2023-11-16 18:15:46.6805900} (wall clock, up to nine
 * fractional digits). Context tokens are the prompt, generated tokens the output. Arrivals are offsets in
 * nanoseconds from the earliest row; a count of 0 becomes 1 (the trace has a few). The result is sorted by
 * arrival, stably, so rows with equal timestamps keep their file order. A malformed row is an
 * {@link IllegalArgumentException} naming the file and line.
 */
public final class AzureTraceReader {

    private static final String HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens";
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter();

    private AzureTraceReader() {
    }

    public static List<WorkloadRequest> read(Path file) {
        try (BufferedReader in = Files.newBufferedReader(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Reads from {@code in}; {@code source} names it in error messages. */
    public static List<WorkloadRequest> read(BufferedReader in, String source) throws IOException {
        String header = in.readLine();
        if (header == null || !header.replace("\uFEFF", "").replace(" ", "").startsWith(HEADER)) {
            throw new IllegalArgumentException(source + ":1: expected the header " + HEADER);
        }
        List<LocalDateTime> times = new ArrayList<>();
        List<int[]> tokens = new ArrayList<>();
        String line;
        int lineNo = 1;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != 3) {
                throw new IllegalArgumentException(source + ":" + lineNo + ": expected 3 columns, got " + f.length
                        + ": " + line);
            }
            try {
                times.add(LocalDateTime.parse(f[0].trim(), TIMESTAMP));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(source + ":" + lineNo + ": bad timestamp '" + f[0].trim()
                        + "', expected like 2023-11-16 18:15:46.6805900", e);
            }
            tokens.add(new int[] {count(f[1], "ContextTokens", source, lineNo),
                count(f[2], "GeneratedTokens", source, lineNo)});
        }
        if (times.isEmpty()) {
            return List.of();
        }
        LocalDateTime first = times.stream().min(Comparator.naturalOrder()).orElseThrow();
        List<WorkloadRequest> out = new ArrayList<>(times.size());
        for (int i = 0; i < times.size(); i++) {
            long offset = ChronoUnit.NANOS.between(first, times.get(i));
            out.add(new WorkloadRequest(offset, tokens.get(i)[0], tokens.get(i)[1]));
        }
        out.sort(Comparator.comparingLong(WorkloadRequest::arrivalNanos));
        return out;
    }

    private static int count(String cell, String column, String source, int lineNo) {
        int n;
        try {
            n = Integer.parseInt(cell.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ":" + lineNo + ": " + column + " is not an integer: '"
                    + cell.trim() + "'", e);
        }
        if (n < 0) {
            throw new IllegalArgumentException(source + ":" + lineNo + ": " + column + " is negative: " + n);
        }
        return Math.max(1, n);
    }
}
