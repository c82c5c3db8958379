package io.sbs.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes benchmark results: pretty-printed JSON whose map keys are sorted (so two runs diff cleanly,
 * whatever map type a suite used), and plain text such as markdown reports. Parent directories are
 * created; files are overwritten.
 */
public final class ReportWriter {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private ReportWriter() {
    }

    /** {@code value} (maps, lists, records, numbers, strings) as JSON, ending in a newline. */
    public static void writeJson(Path file, Object value) {
        writeText(file, toJson(value) + "\n");
    }

    /** The JSON {@link #writeJson} writes, without the trailing newline. */
    public static String toJson(Object value) {
        return JSON.writeValueAsString(value);
    }

    public static void writeText(Path file, String text) {
        try {
            createParent(file);
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
