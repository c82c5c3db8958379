package io.sbs.bench.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.bench.BenchCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code app/bench live} end to end in its smallest shape: one engine-simulator process per phase, two
 * dispatcher JVMs (this build's class path), one light load, a few seconds each, the EndForward push on so
 * the engine token's way from the benchmark to both sides is exercised too.
 */
class LiveBenchIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void live_tinyRun_writesTheSummaryContract_everyRequestAnswered200_noProcessLeft(@TempDir Path out)
            throws IOException {
        Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());

        int code = BenchCommand.run(new String[] {"live", "--out", out.toString(), "--instances", "1", "--loads", "0.3",
            "--policies", "sbs,round-robin", "--push", "--seconds", "4", "--warmup", "1", "--capacity-seconds", "3",
            "--poll-rate", "50", "--poll-seconds", "1", "--dispatcher-jvm", "-Xmx256m -XX:TieredStopAtLevel=1"});

        assertThat(code).as("exit code; the processes' logs are in " + out.resolve("logs")).isZero();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> !before.contains(p.pid())).toList()).as("processes the benchmark left running").isEmpty();
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertThat(s.get("capacity_rps").asDouble()).isPositive();
        JsonNode settings = s.get("settings");
        assertThat(settings.get("instances").asInt()).isEqualTo(1);
        assertThat(settings.get("push").asBoolean()).isTrue();
        assertThat(settings.get("policies").size()).isEqualTo(2);
        assertThat(s.get("poll_cost").get("polls").asInt()).isPositive();
        assertThat(s.get("wall_seconds").asDouble()).isPositive();
        JsonNode load = s.get("by_load").get("0.3");
        assertThat(load.get("policies").propertyNames()).containsExactlyInAnyOrder("sbs", "round-robin");
        for (JsonNode run : load.get("policies").values()) {
            long sent = run.get("sent").asLong();
            assertThat(sent).isPositive();
            for (String f : new String[] {"ttft_mean_ms", "ttft_p50_ms", "ttft_p99_ms"}) {
                assertThat(run.get(f).asDouble()).as(f).isPositive();
            }
            assertThat(run.get("statuses").get("200").asLong()).as("statuses " + run.get("statuses")).isEqualTo(sent);
            assertThat(run.get("dispatcher").get("ingress_requests").asLong())
                    .as("requests the dispatcher saw: ours, and no one else's").isEqualTo(sent);
        }
        assertThat(load.get("sbs_vs_best_of_rr_lot").get("mean_ratio").asDouble()).isPositive();
        long sentInAll = 0;
        for (JsonNode run : load.get("policies").values()) {
            sentInAll += run.get("sent").asLong();
        }
        assertThat(Files.readAllLines(out.resolve("requests.csv"))).as("a header and a line per request sent")
                .hasSize(1 + (int) sentInAll);
        assertThat(out.resolve("report.md")).content().contains("| policy |", "Load poll cost", "Capacity");
        assertThat(out.resolve(LiveReport.PLOT)).isNotEmptyFile();
        for (String log : new String[] {"capacity/engine-prefill-0.log", "sbs/engine-prefill-0.log",
            "sbs/dispatcher.log", "round-robin/dispatcher.log"}) {
            assertThat(out.resolve("logs").resolve(log)).exists();
        }
        try (Stream<Path> logs = Files.walk(out.resolve("logs"))) {
            for (Path log : logs.filter(Files::isRegularFile).toList()) {
                assertThat(log).as("a refused EndForward push: the token did not reach both sides")
                        .content().doesNotContain("answered 401");
            }
        }
    }
}
