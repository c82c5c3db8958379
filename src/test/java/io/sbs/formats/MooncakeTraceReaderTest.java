package io.sbs.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.sim.WorkloadRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class MooncakeTraceReaderTest {

    private static List<WorkloadRequest> read(String jsonl) throws IOException {
        return MooncakeTraceReader.read(new BufferedReader(new StringReader(jsonl)), "mem.jsonl", false);
    }

    @Test
    void read_sampleWithoutSpreading_bucketsArriveTogether() {
        List<WorkloadRequest> w = MooncakeTraceReader.read(TestFiles.resource("traces/mooncake_sample.jsonl"), false);
        assertThat(w).hasSize(40);
        // eight buckets of five rows, 3 s apart, the first at 3000 ms
        for (int i = 0; i < w.size(); i++) {
            assertThat(w.get(i).arrivalNanos()).isEqualTo(i / 5 * 3_000_000_000L);
        }
        assertThat(w.get(0).promptTokens()).isEqualTo(1128);
        assertThat(w.get(0).outputTokens()).isEqualTo(41);
        assertThat(w.get(0).blockHashes()).containsExactly(0, 1, 2);
    }

    @Test
    void read_sampleSpread_evenlyOverTheGapToTheNextBucket() {
        List<WorkloadRequest> w = MooncakeTraceReader.read(TestFiles.resource("traces/mooncake_sample.jsonl"));
        for (int i = 0; i < w.size(); i++) {
            assertThat(w.get(i).arrivalNanos()).isEqualTo(i / 5 * 3_000_000_000L + i % 5 * 600_000_000L);
        }
    }

    @Test
    void read_unsortedFile_sortsStablyClampsZerosAndKeepsHashes() {
        List<WorkloadRequest> w = MooncakeTraceReader.read(TestFiles.resource("traces/mooncake_edge_cases.jsonl"),
                false);
        assertThat(w).extracting(WorkloadRequest::arrivalNanos)
                .containsExactly(0L, 0L, 0L, 1_000_000_000L, 2_000_000_000L, 2_000_000_000L);
        assertThat(w).extracting(WorkloadRequest::promptTokens).containsExactly(10, 11, 12, 20, 30, 1);
        assertThat(w).extracting(WorkloadRequest::outputTokens).containsExactly(1, 1, 2, 2, 3, 4);
        assertThat(w.get(1).blockHashes()).containsExactly(1, 2);
        assertThat(w.get(2).blockHashes()).isEmpty();
        assertThat(w.get(3).blockHashes()).isEmpty();
        // integers beyond 2^53 survive: ids are read as longs, not doubles
        assertThat(w.get(5).blockHashes()).containsExactly(5, 7, 9_007_199_254_740_993L);
    }

    @Test
    void read_spread_lastBucketBorrowsThePreviousGap() {
        List<WorkloadRequest> w = MooncakeTraceReader.read(TestFiles.resource("traces/mooncake_edge_cases.jsonl"),
                true);
        assertThat(w).extracting(WorkloadRequest::arrivalNanos).containsExactly(0L, 333_333_333L, 666_666_666L,
                1_000_000_000L, 2_000_000_000L, 2_500_000_000L);
    }

    @Test
    void read_singleBucket_cannotSpread() throws IOException {
        List<WorkloadRequest> w = MooncakeTraceReader.read(new BufferedReader(new StringReader(
                "{\"timestamp\": 7, \"input_length\": 1, \"output_length\": 1}\n"
                        + "{\"timestamp\": 7, \"input_length\": 2, \"output_length\": 1}\n")), "m", true);
        assertThat(w).extracting(WorkloadRequest::arrivalNanos).containsExactly(0L, 0L);
    }

    @Test
    void read_fractionalTimestamps_toTheNanosecond() throws IOException {
        List<WorkloadRequest> w = read("{\"timestamp\": 1.5, \"input_length\": 1, \"output_length\": 1}\n"
                + "{\"timestamp\": 2.25, \"input_length\": 1, \"output_length\": 1}\n");
        assertThat(w).extracting(WorkloadRequest::arrivalNanos).containsExactly(0L, 750_000L);
    }

    @Test
    void read_malformedLines_nameTheLine() {
        assertThatThrownBy(() -> read("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1}\n"
                + "{\"timestamp\": 1,\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mem.jsonl:2: malformed JSON");
        assertThatThrownBy(() -> read("\n{\"timestamp\": 0, \"output_length\": 1}\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mem.jsonl:2:")
                .hasMessageContaining("input_length");
        assertThatThrownBy(() -> read("{\"timestamp\": \"now\", \"input_length\": 5, \"output_length\": 1}\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mem.jsonl:1:")
                .hasMessageContaining("timestamp");
        assertThatThrownBy(() -> read("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [\"a\"]}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hash_ids");
        assertThatThrownBy(() -> read("[1, 2]\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mem.jsonl:1: expected a JSON object");
        assertThatThrownBy(() -> read("{\"timestamp\": 0, \"input_length\": 2.5, \"output_length\": 1}\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input_length");
    }

    @Test
    void read_emptyFile_empty() throws IOException {
        assertThat(read("")).isEmpty();
    }
}
