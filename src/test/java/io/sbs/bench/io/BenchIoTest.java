package io.sbs.bench.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.sim.EngineProfile;
import io.sbs.sim.WorkloadRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchIoTest {

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(BenchIoTest.class.getClassLoader().getResource(name).toURI());
    }

    @Test
    void profiles_everyBundledOne_loadsAndValidates() {
        assertThat(ProfileLoader.available()).containsExactly("paper", "divided", "long");
        for (String name : ProfileLoader.available()) {
            EngineProfile p = ProfileLoader.load(name);
            assertThat(p.name()).isEqualTo(name);
            assertThat(p.description()).isNotBlank();
        }
        assertThat(ProfileLoader.load("divided").prefill().unitChunkTokens()).isEqualTo(1024);
    }

    @Test
    void profile_unknownField_isAnErrorNamingIt() throws URISyntaxException {
        assertThatThrownBy(() -> ProfileLoader.load(resource("test-profiles/typo.json").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bMaxMsPerTokn");
        assertThatThrownBy(() -> ProfileLoader.load("nope")).hasMessageContaining("paper");
    }

    @Test
    void azure_sample_readsOffsetsFromFirstRowAndClampsZeroTokens() throws URISyntaxException {
        List<WorkloadRequest> w = AzureTraceReader.read(resource("traces/azure_sample.csv"));
        assertThat(w).hasSize(40);
        assertThat(w.get(0).arrivalNanos()).isZero();
        assertThat(w).extracting(WorkloadRequest::arrivalNanos).isSorted();
        assertThat(w).allMatch(r -> r.promptTokens() >= 1 && r.outputTokens() >= 1);
        assertThat(TraceFormat.detect(resource("traces/azure_sample.csv"))).isEqualTo(TraceFormat.AZURE);
    }

    @Test
    void azure_parsesSevenFractionalDigits() throws IOException {
        List<WorkloadRequest> w = AzureTraceReader.read(new BufferedReader(new StringReader(
                "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n"
                        + "2023-11-16 18:15:50.9951690,396,109\n")), "t");
        assertThat(w.get(1).arrivalNanos()).isEqualTo(4_314_579_000L);
        assertThat(w.get(1).promptTokens()).isEqualTo(396);
    }

    @Test
    void azure_malformedRow_namesTheLine() {
        assertThatThrownBy(() -> AzureTraceReader.read(new BufferedReader(new StringReader(
                "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47,x,1\n")), "t"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("t:3");
    }

    @Test
    void mooncake_sample_keepsHashesAndSpreadsBuckets() throws URISyntaxException {
        List<WorkloadRequest> spread = MooncakeTraceReader.read(resource("traces/mooncake_sample.jsonl"), true);
        List<WorkloadRequest> raw = MooncakeTraceReader.read(resource("traces/mooncake_sample.jsonl"), false);
        assertThat(spread).hasSize(40);
        assertThat(spread.get(0).blockHashes()[0]).isZero();
        assertThat(raw.get(1).arrivalNanos()).isEqualTo(raw.get(0).arrivalNanos());
        assertThat(spread.get(1).arrivalNanos()).isEqualTo(600_000_000L);
        assertThat(spread).extracting(WorkloadRequest::arrivalNanos).isSorted();
        assertThat(TraceFormat.detect(resource("traces/mooncake_sample.jsonl"))).isEqualTo(TraceFormat.MOONCAKE);
    }

    @Test
    void mooncake_malformedLine_namesTheLine() {
        assertThatThrownBy(() -> MooncakeTraceReader.read(new BufferedReader(new StringReader(
                "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1}\n{\"timestamp\": 1,\n")), "m", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m:2");
    }

    @Test
    void plots_writeAValidPng(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("x/plot.png");
        Plots.lineChart(png, "t", "x", "y", Map.of("a", new double[][] {{1, 2, 3}, {3, 1, 2}}));
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).isGreaterThan(2_000);
        assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void json_sortsMapKeys(@TempDir Path dir) throws IOException {
        ReportWriter.writeJson(dir.resolve("s.json"), new java.util.LinkedHashMap<>(Map.of("b", 1, "a", 2.5)));
        assertThat(Files.readString(dir.resolve("s.json")).replaceAll("\\s", "")).isEqualTo("{\"a\":2.5,\"b\":1}");
    }

    @Test
    void markdownTable_rendersFixedDecimals() {
        String t = new MarkdownTable(2, "a", "b").row("x", 1.2345).row("y", Double.NaN).render();
        assertThat(t).isEqualTo("| a | b |\n|---|---:|\n| x | 1.23 |\n| y | — |\n");
    }
}
