package io.sbs.formats;

import io.sbs.sim.WorkloadRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The public trace formats the replay benchmark reads, and how to tell them apart. */
public enum TraceFormat {
    /** The Azure LLM inference trace CSV, see {@link AzureTraceReader}. */
    AZURE,
    /** Mooncake JSONL with prefix hash ids, see {@link MooncakeTraceReader}. */
    MOONCAKE;

    /** By file extension: {@code .csv} is Azure, {@code .jsonl} Mooncake. */
    public static TraceFormat detect(Path file) {
        Path fileName = file.getFileName();
        String name = fileName == null ? "" : fileName.toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return AZURE;
        }
        if (name.endsWith(".jsonl")) {
            return MOONCAKE;
        }
        throw new IllegalArgumentException("cannot tell the trace format of " + file
                + " from its extension (.csv or .jsonl); pass --format azure|mooncake");
    }

    /** By name, ignoring case: {@code azure} or {@code mooncake}. */
    public static TraceFormat parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown trace format '" + name + "', use azure or mooncake", e);
        }
    }

    /** Reads {@code file} in this format; Mooncake buckets are spread. */
    public List<WorkloadRequest> read(Path file) {
        return this == AZURE ? AzureTraceReader.read(file) : MooncakeTraceReader.read(file, true);
    }

    /** Detects the format of {@code file} and reads it. */
    public static List<WorkloadRequest> readDetected(Path file) {
        return detect(file).read(file);
    }
}
