package io.sbs.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.sim.WorkloadRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class AzureTraceReaderTest {

    private static final String HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens\n";

    private static List<WorkloadRequest> read(String csv) throws IOException {
        return AzureTraceReader.read(new BufferedReader(new StringReader(csv)), "mem.csv");
    }

    @Test
    void read_sample_allRowsSortedFromZero() {
        List<WorkloadRequest> w = AzureTraceReader.read(TestFiles.resource("traces/azure_sample.csv"));
        assertThat(w).hasSize(40);
        assertThat(w.get(0).arrivalNanos()).isZero();
        assertThat(w).extracting(WorkloadRequest::arrivalNanos).isSorted();
        // first row of the file: 2024-01-02 03:04:10.2438123,1468,353
        assertThat(w.get(0).promptTokens()).isEqualTo(1468);
        assertThat(w.get(0).outputTokens()).isEqualTo(353);
        assertThat(w).allSatisfy(r -> assertThat(r.blockHashes()).isEmpty());
    }

    @Test
    void read_unsortedCrlfFile_sortsStablyAndClampsZeroTokens() {
        List<WorkloadRequest> w = AzureTraceReader.read(TestFiles.resource("traces/azure_edge_cases.csv"));
        assertThat(w).extracting(WorkloadRequest::arrivalNanos)
                .containsExactly(0L, 100L, 1_500_000_000L, 1_500_000_000L, 2_000_000_000L);
        // the two rows at 02.5 keep their file order: (300, 0→1) before (0→1, 20)
        assertThat(w).extracting(WorkloadRequest::promptTokens).containsExactly(100, 200, 300, 1, 400);
        assertThat(w).extracting(WorkloadRequest::outputTokens).containsExactly(10, 30, 1, 20, 40);
    }

    @Test
    void read_fractionsOfAnyLength_parsedToTheNanosecond() throws IOException {
        List<WorkloadRequest> w = read(HEADER + "2023-11-16 18:15:46.6805900,374,44\n"
                + "2023-11-16 18:15:50.9951690,396,109\n" + "2023-11-16 18:15:51.5,1,1\n" + "2023-11-16 18:15:52,1,1\n"
                + "2023-11-16 18:15:52.000000001,1,1\n");
        assertThat(w).extracting(WorkloadRequest::arrivalNanos)
                .containsExactly(0L, 4_314_579_000L, 4_819_410_000L, 5_319_410_000L, 5_319_410_001L);
    }

    @Test
    void read_acrossMidnight_offsetsKeepGrowing() throws IOException {
        List<WorkloadRequest> w = read(HEADER + "2023-11-16 23:59:59.9000000,1,1\n2023-11-17 00:00:00.1000000,1,1\n");
        assertThat(w.get(1).arrivalNanos()).isEqualTo(200_000_000L);
    }

    @Test
    void read_headerOnly_empty() throws IOException {
        assertThat(read(HEADER)).isEmpty();
    }

    @Test
    void read_malformedFile_namesFileAndLine() {
        assertThatThrownBy(() -> AzureTraceReader.read(TestFiles.resource("traces/azure_malformed.csv")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("azure_malformed.csv:4:")
                .hasMessageContaining("expected 3 columns");
    }

    @Test
    void read_badCells_namesLineAndColumn() {
        assertThatThrownBy(() -> read(HEADER + "2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47,x,1\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mem.csv:3:")
                .hasMessageContaining("ContextTokens");
        assertThatThrownBy(() -> read(HEADER + "2023-11-16 18:15:47,1,-5\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mem.csv:2:")
                .hasMessageContaining("GeneratedTokens is negative");
        assertThatThrownBy(() -> read(HEADER + "16/11/2023 18:15:47,1,1\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mem.csv:2: bad timestamp");
    }

    @Test
    void read_wrongHeader_rejected() {
        assertThatThrownBy(() -> read("time,prompt,output\n2023-11-16 18:15:47,1,1\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mem.csv:1:");
        assertThatThrownBy(() -> read("")).isInstanceOf(IllegalArgumentException.class);
    }
}
