package io.sbs.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.chaos.ClientLoad.Outcome;
import io.sbs.tools.JvmLauncher;
import io.sbs.tools.Ports;
import io.sbs.tools.Prometheus;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The drill's small parsers and rules, without processes. */
class ChaosPartsTest {

    @Test
    void classify_timeoutIsLost_refusedOrResetIsAnErrorTheClientWasTold() {
        assertThat(ClientLoad.classify("r", "a", 0, null, new CompletionException(new HttpTimeoutException("t")))
                .outcome()).isEqualTo(Outcome.LOST);
        assertThat(ClientLoad.classify("r", "a", 0, null, new java.util.concurrent.TimeoutException()).outcome())
                .isEqualTo(Outcome.LOST);
        ClientLoad.Result refused = ClientLoad.classify("r", "a", 0, null, new CompletionException(new ConnectException()));
        assertThat(refused.outcome()).isEqualTo(Outcome.FAILED_WITH_ERROR);
        assertThat(refused.detail()).isEqualTo("ConnectException");
        assertThat(ClientLoad.classify("r", "a", 0, null, new IOException("reset")).outcome())
                .isEqualTo(Outcome.FAILED_WITH_ERROR);
    }

    @Test
    void degradedMs_isTheLongestRiseOverTheNodesThatAnsweredBothTimes() {
        assertThat(SentinelDrill.degradedMs(java.util.Arrays.asList(1.0, 0.0), java.util.Arrays.asList(1.25, 0.9)))
                .isEqualTo(900.0);
        assertThat(SentinelDrill.degradedMs(java.util.Arrays.asList(null, 2.0), java.util.Arrays.asList(5.0, 2.0)))
                .isZero();
        assertThat(SentinelDrill.degradedMs(java.util.Arrays.asList((Double) null), java.util.Arrays.asList(3.0)))
                .isNull();
    }

    @Test
    void prometheusSum_addsEveryLabelSet_andIgnoresLongerNamesAndComments() {
        String text = """
                # HELP sbs_state_fenced_writes_total Writes refused with FENCED
                # TYPE sbs_state_fenced_writes_total counter
                sbs_state_fenced_writes_total{kind="policy"} 2.0
                sbs_state_fenced_writes_total{kind="accepted"} 3.0
                sbs_state_fenced_writes_total_created{kind="policy"} 1.7E9
                sbs_other 9
                """;

        assertThat(Prometheus.sum(text, "sbs_state_fenced_writes_total")).isEqualTo(5.0);
        assertThat(Prometheus.sum("sbs_x 4\n", "sbs_x")).isEqualTo(4.0);
        assertThat(Prometheus.sum(text, "sbs_missing_total")).isNull();
        assertThat(Prometheus.sum(text, "sbs_state_fenced_writes_total", "kind=\"accepted\"")).isEqualTo(3.0);
        assertThat(Prometheus.sum(text, "sbs_state_fenced_writes_total", "kind=\"none\"")).isNull();
    }

    @Test
    void countStale_onlyEntriesNewerThanTheTakeoverWithAnOlderEpoch() {
        List<String> history = List.of(
                "{\"version\":5,\"epoch\":3,\"actor\":\"op\"}", // the new leader's own write
                "{\"version\":4,\"epoch\":2,\"actor\":\"op\"}", // the old leader's, after the takeover: stale
                "{\"version\":3,\"epoch\":2,\"actor\":\"op\"}"); // the old leader's, before it: legitimate

        assertThat(FenceDrill.countStale(history, 3, 3)).isEqualTo(1);
        assertThat(FenceDrill.countStale(history, 5, 3)).isZero();
    }

    @Test
    void policyBodyAndEtag_fromTheRecordRead() {
        String read = "{\"version\":7,\"epoch\":2,\"policy\":{\"name\":\"sbs\"}}";

        assertThat(FenceDrill.policyBody(read)).isEqualTo("{\"name\":\"sbs\"}");
        assertThat(FenceDrill.policyBody("{\"name\":\"sbs\"}")).isEqualTo("{\"name\":\"sbs\"}");
        assertThat(FenceDrill.etag(read)).isEqualTo("\"7\"");
        assertThat(FenceDrill.etag("{}")).isNull();
    }

    @Test
    void configure_theRepositorysRedisFiles_replacesPortsAndDirsAndKeepsTheTimings() throws IOException {
        String sentinel = Files.readString(Path.of("redis/sentinel.conf"));
        String monitor = "sentinel monitor " + SentinelRedis.MASTER_NAME;

        String out = SentinelRedis.configure(sentinel, Map.of("port", "port 26001", "dir", "dir /tmp/s",
                monitor, monitor + " 127.0.0.1 7001 " + SentinelRedis.quorum(sentinel)));

        assertThat(out).contains("\nport 26001\n", "sentinel monitor sbs 127.0.0.1 7001 2\n",
                "sentinel down-after-milliseconds sbs 3000", "sentinel failover-timeout sbs 10000").endsWith("dir /tmp/s\n");
        assertThat(out).doesNotContain("26379", "sbs-redis-0");
        String server = SentinelRedis.configure(Files.readString(Path.of("redis/redis.conf")),
                Map.of("port", "port 7001", "bind", "bind 127.0.0.1", "dir", "dir /tmp/r"));
        assertThat(server).contains("\nport 7001\n", "\nbind 127.0.0.1\n", "\ndir /tmp/r\n", "min-replicas-to-write 1")
                .doesNotContain("6379", "/data");
        assertThatThrownBy(() -> SentinelRedis.quorum("port 1\n")).hasMessageContaining("sentinel monitor sbs");
    }

    @Test
    void report_topLevelHoldsRunsAndTheOverallFigures_markdownOneRowPerRun() {
        Map<String, Object> run = new java.util.LinkedHashMap<>();
        run.put("run", 1);
        run.put("takeover_ms", 2_900.5);
        run.put("answers", Map.of("200", 3L));
        DrillReport report = new DrillReport("failover", List.of(run), Map.of("takeover_ms", Tally.spread(
                List.of(2_900.5)), "lost", 0L), List.of("a note"));
        ChaosOptions o = ChaosOptions.parse(new String[] {"failover", "--out", "x"});

        Map<String, Object> json = report.toJson(o);
        String md = report.markdown(o);

        assertThat(json).containsKeys("runs", "takeover_ms", "lost", "drill", "notes", "settings");
        assertThat(json.get("takeover_ms")).isEqualTo(Map.of("p50", 2_900.5, "p99", 2_900.5, "max", 2_900.5));
        assertThat(md).contains("| run | takeover_ms |", "| 1 | 2900.5 |", "- a note").doesNotContain("| answers");
    }

    @Test
    void launcher_fromTheJar_runsTheJar_fromAClassPath_leavesTheTestClassesOut() {
        JvmLauncher jar = JvmLauncher.of("/usr/bin/java", "target/sbs.jar");
        assertThat(jar.command(List.of("engine-sim"))).endsWith("-jar", Path.of("target/sbs.jar").toAbsolutePath()
                .toString(), "engine-sim");

        JvmLauncher cp = JvmLauncher.of("/usr/bin/java", String.join(File.pathSeparator, "/p/target/test-classes",
                "/p/target/classes", "/m2/x.jar"));
        List<String> command = cp.command(List.of("chaos"));
        assertThat(command).contains("-Xmx384m").endsWith("-cp", "/p/target/classes" + File.pathSeparator + "/m2/x.jar",
                "io.sbs.SbsApplication", "chaos");
    }

    @Test
    void launcher_ofAMainClass_fromTheJarThroughPropertiesLauncher_fromAClassPathDirectly() {
        JvmLauncher jar = JvmLauncher.of("/usr/bin/java", "target/sbs.jar");
        assertThat(jar.command(List.of("-Xmx64m"), "io.sbs.X", List.of("1"))).containsExactly("/usr/bin/java", "-Xmx64m",
                "-cp", Path.of("target/sbs.jar").toAbsolutePath().toString(), "-Dloader.main=io.sbs.X",
                "org.springframework.boot.loader.launch.PropertiesLauncher", "1");

        JvmLauncher cp = JvmLauncher.of("/usr/bin/java", "/p/target/classes" + File.pathSeparator + "/m2/x.jar");
        assertThat(cp.command(List.of(), "io.sbs.X", List.of("1"))).containsExactly("/usr/bin/java", "-cp",
                "/p/target/classes" + File.pathSeparator + "/m2/x.jar", "io.sbs.X", "1");
    }

    @Test
    void options_parseWithDefaults_passThroughAfterDashes_andRejectNonsense() {
        ChaosOptions o = ChaosOptions.parse(new String[] {"failover", "--runs", "30", "--out", "x", "--",
            "--sbs.state.lease-ttl=2s"});

        assertThat(o.runs()).isEqualTo(30);
        assertThat(o.qps()).isEqualTo(20);
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.dispatcherArgs()).containsExactly("--sbs.state.lease-ttl=2s");
        assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"flood", "--out", "x"})).hasMessageContaining("drill");
        assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"fence", "--runs", "1.5", "--out", "x"}))
                .hasMessageContaining("--runs").hasMessageContaining("not an int");
        assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"fence"})).hasMessageContaining("--out");
        assertThat(ChaosCommand.run(new String[] {"fence", "--bogus", "1"})).isEqualTo(2);
    }

    @Test
    void options_redisIsStandaloneByDefault_clusterForFailoverAndFence_neverForSentinel() {
        assertThat(ChaosOptions.parse(new String[] {"failover", "--out", "x"}).redis()).isEqualTo("standalone");
        assertThat(ChaosOptions.parse(new String[] {"failover", "--redis", "cluster", "--out", "x"}).redis())
                .isEqualTo("cluster");
        assertThat(ChaosOptions.parse(new String[] {"fence", "--redis", "cluster", "--out", "x"}).redis())
                .isEqualTo("cluster");
        assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"sentinel", "--redis", "cluster", "--out", "x"}))
                .hasMessageContaining("--redis");
        assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"failover", "--redis", "sharded", "--out", "x"}))
                .hasMessageContaining("--redis").hasMessageContaining("sharded");
    }

    @Test
    void options_push_isOffUnlessAsked_andAFlagWithoutValue() {
        assertThat(ChaosOptions.parse(new String[] {"failover", "--out", "x"}).push()).isFalse();
        assertThat(ChaosOptions.parse(new String[] {"failover", "--push", "--runs", "2", "--out", "x"}).push()).isTrue();
        assertThat(ChaosOptions.parse(new String[] {"failover", "--out", "x", "--push"}).push()).isTrue();
    }

    @Test
    void aRedisClusterPort_leavesRoomForItsBusPort_belowTheLimitRedisAccepts() {
        for (int i = 0; i < 200; i++) {
            // redis-server --cluster-enabled yes exits on a port above 55535 (its bus is port + 10000)
            assertThat(Ports.freeForRedisCluster()).isBetween(1, 55_535);
        }
    }
}
