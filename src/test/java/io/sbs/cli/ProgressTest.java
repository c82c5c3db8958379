package io.sbs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The plain lines of a long command's progress, on a fake clock. */
class ProgressTest {

    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void stage_opensAndCloses_withALineEach_namingTheExperimentOfAll() {
        try (Progress progress = Progress.lines("paper", 2, out, Duration.ofSeconds(10), now::get)) {
            progress.stage("TTFT vs load, profile paper", 2);
            now.addAndGet(3 * SECOND);
            progress.stage("prefill capacity", 1);
        }

        assertThat(lines()).containsExactly(
                "[paper    0 s] 1/2 TTFT vs load, profile paper: 0/2",
                "[paper    3 s] 1/2 TTFT vs load, profile paper: 0/2 done in 3 s",
                "[paper    3 s] 2/2 prefill capacity: 0/1",
                "[paper    3 s] 2/2 prefill capacity: 0/1 done in 0 s");
    }

    @Test
    void done_printsAtMostOneLinePerPeriod_withLoadPointPolicyAndAnEtaByWork() {
        try (Progress progress = Progress.lines("paper", 1, out, Duration.ofSeconds(10), now::get)) {
            Progress.Stage stage = progress.stage("TTFT vs load", 3, 10);
            now.addAndGet(12 * SECOND);
            stage.done("peak QPS of round-robin", 6);
            now.addAndGet(SECOND);
            stage.done("load 0.4, policy sbs", 2);
            stage.close();
        }

        assertThat(lines()).containsExactly(
                "[paper    0 s] TTFT vs load: 0/3",
                // 6 of 10 units in 12 s: 4 more take 8 s
                "[paper   12 s] TTFT vs load: 1/3, ETA 8 s; last peak QPS of round-robin",
                "[paper   13 s] TTFT vs load: 2/3 done in 13 s");
    }

    @Test
    void tick_printsTheStageWhenQuietForAPeriod_runningAlwaysPrints() {
        try (Progress progress = Progress.lines("failover", 1, out, Duration.ofSeconds(10), now::get)) {
            Progress.Stage stage = progress.stage("failover drill, policy sbs, 2 runs", 2);
            now.addAndGet(5 * SECOND);
            progress.tick();
            stage.running("run 1");
            now.addAndGet(10 * SECOND);
            progress.tick();
            progress.note("a note");
        }

        assertThat(lines()).containsExactly(
                "[failover    0 s] failover drill, policy sbs, 2 runs: 0/2",
                "[failover    5 s] failover drill, policy sbs, 2 runs: 0/2; running run 1",
                "[failover   15 s] failover drill, policy sbs, 2 runs: 0/2; running run 1",
                "[failover   15 s] a note",
                "[failover   15 s] failover drill, policy sbs, 2 runs: 0/2 done in 15 s");
    }

    @Test
    void human_secondsMinutesHours() {
        assertThat(Progress.human(Duration.ofSeconds(42))).isEqualTo("42 s");
        assertThat(Progress.human(Duration.ofSeconds(185))).isEqualTo("3 min 5 s");
        assertThat(Progress.human(Duration.ofSeconds(3720))).isEqualTo("1 h 2 min");
    }
}
