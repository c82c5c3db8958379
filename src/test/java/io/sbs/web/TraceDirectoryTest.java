package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.control.InvalidPreviewException;
import io.sbs.sim.WorkloadRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Named traces for the preview, read from the test resources' sample traces. */
class TraceDirectoryTest {

    private final TraceDirectory traces = new TraceDirectory(Path.of("src/test/resources/traces"));

    @Test
    void names_listTheCsvAndJsonlFiles_sorted() {
        assertThat(traces.names()).contains("azure_sample.csv", "mooncake_sample.jsonl").isSorted();
    }

    @Test
    void load_readsByFormat_mooncakeWithItsBlockHashes() {
        List<WorkloadRequest> azure = traces.load("azure_sample.csv");
        List<WorkloadRequest> mooncake = traces.load("mooncake_sample.jsonl");

        assertThat(azure).hasSize(40);
        assertThat(azure.get(0).arrivalNanos()).isZero();
        assertThat(mooncake).isNotEmpty().anyMatch(r -> r.blockHashes().length > 0);
    }

    @Test
    void load_unknownNameOrAPath_isAnUnknownTrace() {
        for (String name : List.of("nope.csv", "../traces/azure_sample.csv", "/etc/passwd")) {
            assertThatThrownBy(() -> traces.load(name)).isInstanceOf(InvalidPreviewException.class)
                    .hasMessageContaining("known: [")
                    .extracting(e -> ((InvalidPreviewException) e).reason())
                    .isEqualTo(InvalidPreviewException.Reason.UNKNOWN_TRACE);
        }
    }

    @Test
    void load_malformedTrace_isInvalid_andNamesTheTraceNotItsPath() {
        assertThatThrownBy(() -> traces.load("azure_malformed.csv")).isInstanceOf(InvalidPreviewException.class)
                .hasMessageStartingWith("trace 'azure_malformed.csv' cannot be read: azure_malformed.csv:")
                .hasMessageNotContaining("src/test/resources")
                .extracting(e -> ((InvalidPreviewException) e).reason())
                .isEqualTo(InvalidPreviewException.Reason.INVALID);
    }

    @Test
    void missingDirectory_offersNoTraces() {
        TraceDirectory none = new TraceDirectory(Path.of("target/no-such-trace-directory"));

        assertThat(none.names()).isEmpty();
        assertThatThrownBy(() -> none.load("azure_sample.csv")).isInstanceOf(InvalidPreviewException.class);
    }
}
