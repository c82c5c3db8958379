package io.sbs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.cli.Progress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The bench command end to end, with short runs: the files it writes and the headline contract. */
class BenchCommandIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Set<String> fields(JsonNode n) {
        return Set.copyOf(n.propertyNames());
    }

    @Test
    void paper_shortRun_writesSummaryWithTheHeadlineContract_reportAndPlots_progressOnStandardError(@TempDir Path out)
            throws IOException {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        int code;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            code = BenchCommand.run(new String[] {"paper", "--out", out.toString(), "--seeds", "1", "--seconds", "4",
                "--decode-seconds", "10"});
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
        realErr.print(stderr.toString(StandardCharsets.UTF_8));
        assertThat(code).isZero();
        assertThat(Progress.onTerminal()).as("the test JVM's output is piped, as app/bench's is in a log").isFalse();
        List<String> progress = stderr.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("[paper "))
                .toList();
        for (String experiment : new String[] {"1/7 TTFT vs load, profile paper: ", "2/7 TTFT vs load, profile divided: ",
            "3/7 TTFT vs load, profile long: ", "4/7 prefill capacity, profile paper: ", "5/7 decode, profile paper: ",
            "6/7 decode by output-length knowledge: ", "7/7 coupled P/D: "}) {
            assertThat(progress).as("a line when it starts and when it ends").filteredOn(l -> l.contains(experiment))
                    .hasSizeGreaterThanOrEqualTo(2).last().asString().contains(" done in ");
        }
        assertThat(stdout.toString(StandardCharsets.UTF_8)).as("standard output: the results alone")
                .isEqualTo("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.md")
                        + System.lineSeparator());
        JsonNode h = JSON.readTree(out.resolve("summary.json").toFile()).get("headline");
        assertThat(fields(h)).containsExactlyInAnyOrder("paper", "divided", "long", "decode", "decode_by_knowledge",
                "coupled_pd", "signals", "wall_seconds");
        assertThat(h.get("signals").asString()).isEqualTo("push");
        for (String profile : new String[] {"paper", "divided", "long"}) {
            for (String map : new String[] {"ttft_reduction_by_load", "ttft_reduction_vs_eft_by_load"}) {
                JsonNode byLoad = h.get(profile).get(map);
                assertThat(fields(byLoad)).containsExactlyInAnyOrder("0.4", "0.6", "0.8", "1.0");
                byLoad.values().forEach(v -> assertThat(v.isNumber()).isTrue());
            }
        }
        JsonNode prefill = h.get("paper").get("prefill");
        assertThat(fields(prefill)).containsExactlyInAnyOrder("3072", "5120");
        for (JsonNode chunk : prefill.values()) {
            for (String f : new String[] {"baseline_max_qps", "sbs_max_qps", "eft_max_qps", "baseline_chunk_util",
                "sbs_chunk_util", "eft_chunk_util"}) {
                assertThat(chunk.get(f).isNumber()).as(f).isTrue();
            }
            assertThat(chunk.get("sbs_chunk_util").asDouble()).isBetween(0.0, 1.0);
        }
        assertThat(fields(h.get("decode"))).containsExactlyInAnyOrder("baseline_throughput_tps", "sbs_throughput_tps",
                "baseline_kv_p10", "baseline_kv_p90", "baseline_kv_max", "sbs_kv_p10", "sbs_kv_p90", "sbs_kv_max",
                "knowledge");
        JsonNode byKnowledge = h.get("decode_by_knowledge");
        assertThat(fields(byKnowledge)).containsExactlyInAnyOrder("oracle", "max-tokens", "predicted");
        for (JsonNode mode : byKnowledge.values()) {
            assertThat(fields(mode)).containsExactlyInAnyOrder("paper", "divided");
            for (JsonNode p : mode.values()) {
                assertThat(fields(p)).contains("sbs_throughput_tps", "best_baseline", "best_baseline_throughput_tps",
                        "sbs_kv_p10", "sbs_kv_p90", "sbs_kv_max", "baseline_kv_p10", "baseline_kv_p90", "baseline_kv_max",
                        "sbs_tpot_p99_ms", "baseline_tpot_p99_ms", "seeds", "throughput_spread");
                assertThat(p.get("seeds").size()).isEqualTo(3);
                assertThat(p.get("best_baseline").asString()).isIn("round-robin", "least-outstanding-tokens",
                        "least-kv-tokens", "kv-batch-balanced", "step-cost-balanced");
                assertThat(p.get("sbs_throughput_tps").asDouble()).isPositive();
            }
        }
        JsonNode coupled = h.get("coupled_pd");
        assertThat(fields(coupled)).containsExactlyInAnyOrder("paper", "divided");
        coupled.values().forEach(c -> assertThat(c.get("sbs_tpot_p99_ms").asDouble()).isPositive());
        assertThat(h.get("wall_seconds").asDouble()).isPositive();
        assertThat(Files.readString(out.resolve("report.md"))).contains("TTFT vs load", "Prefill capacity", "Decode");
        for (String png : new String[] {"ttft_vs_load_paper.png", "ttft_vs_load_divided.png", "ttft_vs_load_long.png",
            "max_qps_vs_slo_chunk3072.png", "max_qps_vs_slo_chunk5120.png", "decode_kv_band.png"}) {
            assertThat(out.resolve(png)).isNotEmptyFile();
        }
    }

    @Test
    void replay_sampleTrace_everyPolicyInSummary(@TempDir Path out) throws IOException, URISyntaxException {
        Path trace = Path.of(getClass().getClassLoader().getResource("traces/mooncake_sample.jsonl").toURI());
        int code = BenchCommand.run(new String[] {"replay", "--trace", trace.toString(), "--time-scale", "2",
            "--profile", "divided", "--out", out.toString()});
        assertThat(code).isZero();
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertThat(s.get("requests").asInt()).isEqualTo(40);
        assertThat(fields(s.get("policies"))).contains("sbs", "sbs-cache", "round-robin", "earliest-finish-time");
        for (JsonNode p : s.get("policies").values()) {
            assertThat(fields(p)).contains("ttft_mean_s", "ttft_p99_s", "cache_hit_ratio", "throughput_rps", "chunk_util",
                    "completed");
            assertThat(p.get("completed").asInt()).isEqualTo(40);
            assertThat(p.get("cache_hit_ratio").asDouble()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void scale_shortRun_reportsEventsPerSecond(@TempDir Path out) throws IOException {
        assertThat(BenchCommand.run(new String[] {"scale", "--hours", "0.002", "--out", out.toString()})).isZero();
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertThat(s.get("prefill_dp_units").asInt()).isEqualTo(384);
        assertThat(s.get("decode_dp_units").asInt()).isEqualTo(320);
        assertThat(s.get("prefill_events_per_second").asLong()).isPositive();
    }

    @Test
    void preview_shortWindow_everyPairProjectedWithItsWallTime(@TempDir Path out) throws IOException {
        assertThat(BenchCommand.run(new String[] {"preview", "--minutes", "0.2", "--qps", "200", "--out",
            out.toString()})).isZero();
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertThat(s.get("requests_recorded").asInt()).isEqualTo(2_400);
        assertThat(s.get("previews")).hasSize(4);
        for (JsonNode p : s.get("previews")) {
            assertThat(p.get("requests").asInt()).isEqualTo(2_400);
            assertThat(p.get("wall_seconds").asDouble()).isPositive();
            for (String side : new String[] {"current_projection", "proposed_projection"}) {
                assertThat(fields(p.get(side))).contains("ttft_mean_s", "ttft_p99_s", "requests_per_s", "chunk_util");
            }
        }
        assertThat(s.get("goal_met").isBoolean()).isTrue();
        assertThat(Files.readString(out.resolve("report.md"))).contains("sbs → round-robin (proposed)");
    }

    @Test
    void badUsage_exitsTwo() {
        assertThat(BenchCommand.run(new String[] {})).isEqualTo(2);
        assertThat(BenchCommand.run(new String[] {"nope"})).isEqualTo(2);
        assertThat(BenchCommand.run(new String[] {"paper", "--bogus", "1", "--out", "x"})).isEqualTo(2);
        assertThat(BenchCommand.run(new String[] {"replay", "--out", "x"})).isEqualTo(2);
        assertThat(BenchCommand.run(new String[] {"preview", "--qps", "0", "--out", "x"})).isEqualTo(2);
    }
}
