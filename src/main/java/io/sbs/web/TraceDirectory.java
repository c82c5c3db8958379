package io.sbs.web;

import io.sbs.control.InvalidPreviewException;
import io.sbs.control.TraceLibrary;
import io.sbs.formats.TraceFormat;
import io.sbs.sim.WorkloadRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The named traces of {@code sbs.preview.traces}: every {@code .csv} (Azure LLM inference trace) and
 * {@code .jsonl} (Mooncake) file directly in the directory, named by file name. A name is looked up in
 * that listing, never resolved as a path, so a request cannot reach a file outside the directory.
 */
final class TraceDirectory implements TraceLibrary {

    private final @Nullable Path directory;

    /** @param directory null when the operator set none: then no named traces are offered */
    TraceDirectory(@Nullable Path directory) {
        this.directory = directory;
    }

    @Override
    public List<String> names() {
        if (directory == null || !Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile)
                    .map(f -> String.valueOf(f.getFileName()))
                    .filter(n -> n.toLowerCase(Locale.ROOT).endsWith(".csv")
                            || n.toLowerCase(Locale.ROOT).endsWith(".jsonl"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the trace directory " + directory, e);
        }
    }

    @Override
    public List<WorkloadRequest> load(String name) {
        List<String> known = names();
        if (!known.contains(name)) {
            throw new InvalidPreviewException(InvalidPreviewException.Reason.UNKNOWN_TRACE,
                    "unknown trace '" + name + "', known: " + known);
        }
        Path file = directory.resolve(name);
        try {
            return TraceFormat.readDetected(file);
        } catch (IllegalArgumentException e) {
            // the readers name the file by its path; the answer goes to an API client, which needs only the name
            String why = String.valueOf(e.getMessage()).replace(file.toString(), name);
            throw new InvalidPreviewException(InvalidPreviewException.Reason.INVALID,
                    "trace '" + name + "' cannot be read: " + why);
        }
    }
}
