package io.sbs.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One short {@code failover} run end to end: a real redis-server, three engine-simulator JVMs and two
 * dispatcher JVMs (from this build's class path), a few seconds of client load, a {@code SIGKILL} of the
 * leader. The contract checked is the product's: the standby takes over, no request goes unanswered, the
 * accepted-request buffer drains, and nothing the drill started outlives it.
 */
class ChaosIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** About the lease TTL (2.5 s by default), with room for a machine busy with other builds. */
    private static final double TAKEOVER_BOUND_MS = 10_000;

    private static boolean onPath(String binary) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, binary)));
    }

    @Test
    void failover_oneShortRun_withPushes_standbyTakesOver_keepsTheRegisteredInstance_noRequestLost_bufferDrains_noProcessLeft(@TempDir Path out)
            throws Exception {
        oneShortFailover(out, "standalone", true);
    }

    /**
     * The same on a Redis Cluster of three masters: the dispatchers configured by Spring Boot's
     * {@code spring.data.redis.cluster.nodes}, leading, standing by and taking over with real HTTP.
     */
    @Test
    void failover_onARedisCluster_standbyTakesOver_noRequestLost_bufferDrains_noProcessLeft(@TempDir Path out)
            throws Exception {
        oneShortFailover(out, "cluster", false);
        assertThat(JSON.readTree(out.resolve("summary.json").toFile()).get("settings").get("redis").asString())
                .isEqualTo("cluster");
        assertThat(out.resolve("logs/dispatcher-a.log")).content().doesNotContain("CROSSSLOT", "MOVED");
    }

    private static void oneShortFailover(Path out, String redis, boolean push) throws Exception {
        assertThat(onPath("redis-server") && onPath("redis-cli")).as("ChaosIT needs a real Redis: install "
                + "redis-server and redis-cli (apt-get install -y redis-server)").isTrue();

        // other tests of this JVM may keep processes of their own (the shared Redis of the state tests)
        java.util.Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("failover", "--runs", "1", "--qps",
            "10", "--after", "2", "--redis", redis, "--out", out.toString()));
        if (push) {
            args.add("--push");
        }
        int code = ChaosCommand.run(args.toArray(String[]::new));

        assertThat(code).as("exit code of the drill; its processes' logs are in " + out.resolve("logs")).isZero();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> !before.contains(p.pid())).toList())
                .as("processes the drill started and left running").isEmpty();
        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        assertThat(summary.get("runs").size()).isEqualTo(1);
        JsonNode run = summary.get("runs").get(0);
        JsonNode takeover = summary.get("takeover_ms");
        assertThat(takeover.propertyNames()).containsExactlyInAnyOrder("p50", "p99", "max");
        assertThat(takeover.get("max").asDouble()).isPositive().isLessThan(TAKEOVER_BOUND_MS);
        assertThat(run.get("epoch_after").asLong()).isGreaterThan(run.get("epoch_before").asLong());
        assertThat(run.get("survivor").asString()).isNotEqualTo(run.get("killed").asString());
        long sent = summary.get("sent").asLong();
        assertThat(sent).isPositive();
        assertThat(summary.get("completed").asLong()).isPositive();
        assertThat(summary.get("completed").asLong() + summary.get("failed_with_error").asLong()
                + summary.get("lost").asLong()).isEqualTo(sent);
        assertThat(summary.get("lost").asLong()).as("requests without an answer within the timeout").isZero();
        assertThat(summary.get("buffer_left").asLong()).isZero();
        assertThat(run.get("first_completion_after_kill_ms").isNumber()).as("the survivor served after the kill")
                .isTrue();
        // the instance registered on the killed leader: the new leader had it from the store (an unknown one
        // is a 404), and counted what it served (how many is the policy's choice over a short --after)
        assertThat(run.get("registered_status").asInt()).isEqualTo(201);
        assertThat(run.get("removed_status").asInt()).isEqualTo(204);
        assertThat(run.get("registered_instance_served_after_takeover").asLong()).isNotNegative();
        // measured with --push, though a figure may be null: no push within the short --after
        assertThat(run.has("pass_model_from_pushes_after_takeover_ms")).isEqualTo(push);
        assertThat(run.has("push_applied_after_takeover_ms")).isEqualTo(push);
        assertThat(out.resolve("summary.md")).content().contains("| run |");
        assertThat(out.resolve("logs/dispatcher-a.log")).isNotEmptyFile();
        assertThat(out.resolve("logs/dispatcher-b.log")).isNotEmptyFile();
    }
}
