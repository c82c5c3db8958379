package io.sbs.bench.io;

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
 * Reads the Azure LLM inference trace CSV ({@code TIMESTAMP,ContextTokens,GeneratedTokens}, timestamps
 * such as {@code 2023-11-16 18:15:46.6805900}). Arrivals are offsets from the first row; a zero token
 * count becomes 1.
 */
public final class AzureTraceReader {

    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
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

    static List<WorkloadRequest> read(BufferedReader in, String name) throws IOException {
        String header = in.readLine();
        if (header == null || !header.replace(" ", "").startsWith("TIMESTAMP,ContextTokens,GeneratedTokens")) {
            throw new IllegalArgumentException(name + ": expected header TIMESTAMP,ContextTokens,GeneratedTokens");
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
            String[] f = line.split(",");
            if (f.length != 3) {
                throw new IllegalArgumentException(name + ":" + lineNo + ": expected 3 columns, got " + f.length);
            }
            try {
                times.add(LocalDateTime.parse(f[0].trim(), TIMESTAMP));
                tokens.add(new int[] {Math.max(1, Integer.parseInt(f[1].trim())), Math.max(1, Integer.parseInt(f[2].trim()))});
            } catch (DateTimeParseException | NumberFormatException e) {
                throw new IllegalArgumentException(name + ":" + lineNo + ": " + e.getMessage(), e);
            }
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
}
