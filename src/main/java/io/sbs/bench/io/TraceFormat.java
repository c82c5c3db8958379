package io.sbs.bench.io;

import io.sbs.sim.WorkloadRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The trace formats {@code app/bench replay} reads. */
public enum TraceFormat {
    AZURE,
    MOONCAKE;

    /** By file extension: {@code .csv} is Azure, {@code .jsonl} Mooncake. */
    public static TraceFormat detect(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return AZURE;
        }
        if (name.endsWith(".jsonl")) {
            return MOONCAKE;
        }
        throw new IllegalArgumentException("cannot tell the trace format of " + file + "; pass --format azure|mooncake");
    }

    public static TraceFormat parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown trace format '" + name + "', use azure or mooncake", e);
        }
    }

    public List<WorkloadRequest> read(Path file) {
        return this == AZURE ? AzureTraceReader.read(file) : MooncakeTraceReader.read(file, true);
    }
}
