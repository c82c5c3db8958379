package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.InJvmNodes;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.formats.ProfileLoader;
import io.sbs.loop.DispatchLoop;
import io.sbs.loop.LoopSnapshot;
import io.sbs.security.Caller;
import io.sbs.security.SecuredPlatform;
import io.sbs.sim.EngineProfile;
import io.sbs.state.Leadership;
import io.sbs.state.RedisServer;
import io.sbs.tools.Ports;
import io.sbs.tools.Prometheus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A hot standby: two dispatchers on a real Redis, two engine simulators over real HTTP pushing EndForward
 * through both dispatchers in turn, as through a Service ({@code --end-forward-url a,b}). While node-a leads
 * and decides every request, node-b relays the pushes it takes and its own loop learns the passes from them;
 * when node-a stops, node-b leads with a {@code T̄_fwd} from those pushes, near node-a's, before it has
 * dispatched anything or heard a push as leader, rather than with the offline default.
 */
class HotStandbyIT {

    private static final String CLUSTER = "hot-standby-it";
    private static final EngineProfile PROFILE = ProfileLoader.load("src/main/resources/chaos/engines.json");

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private ConfigurableApplicationContext node(String nodeId, int port, RedisServer redis, List<EngineSimServer> engines) {
        List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--server.address=127.0.0.1",
                "--spring.main.banner-mode=off", "--sbs.embedded.demo-qps=0", "--sbs.state.store=redis",
                "--sbs.state.cluster=" + CLUSTER, "--sbs.state.node-id=" + nodeId,
                "--spring.data.redis.host=" + redis.host(), "--spring.data.redis.port=" + redis.port(),
                "--sbs.engine-token=" + SecuredPlatform.ENGINE_TOKEN,
                "--SBS_VIEWER_PASSWORD=" + SecuredPlatform.VIEWER_PASSWORD,
                "--SBS_OPERATOR_PASSWORD=" + SecuredPlatform.OPERATOR_PASSWORD));
        args.addAll(InJvmNodes.prefillInstances(engines, PROFILE));
        ConfigurableApplicationContext ctx = InJvmNodes.start(args);
        closing.add(ctx);
        return ctx;
    }

    private static LoopSnapshot.PhaseView prefill(ConfigurableApplicationContext node) {
        return node.getBean(DispatchLoop.class).snapshotNow().block(Duration.ofSeconds(10)).prefill();
    }

    private static double meter(int port, String name, String label) {
        String text = Caller.VIEWER.as(Caller.client(port).get().uri("/actuator/prometheus")).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        Double v = Prometheus.sum(text, name, label);
        return v == null ? 0 : v;
    }

    @Test
    void aStandbyThatTakesOver_startsOnTheMeanForwardPassOfThePushesItRelayed() throws Exception {
        RedisServer redis = RedisServer.shared();
        redis.flushed();
        int portA = Ports.free();
        int portB = Ports.free();
        String pushes = "http://127.0.0.1:" + portA + "/internal/v1/end-forward,http://127.0.0.1:" + portB
                + "/internal/v1/end-forward";
        List<EngineSimServer> engines = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            EngineSimServer engine = new EngineSimServer("prefill-" + i, PROFILE, 0, i + 1, pushes,
                    SecuredPlatform.ENGINE_TOKEN);
            closing.add(engine);
            engines.add(engine);
        }
        ConfigurableApplicationContext a = node("node-a", portA, redis, engines);
        await().atMost(Duration.ofSeconds(15)).until(() -> a.getBean(Leadership.class).isLeader());
        ConfigurableApplicationContext b = node("node-b", portB, redis, engines);
        await().atMost(Duration.ofSeconds(15)).until(() -> "node-a".equals(b.getBean(Leadership.class).status().leaderId()));
        long coldStart = prefill(b).meanForwardNanos();

        // node-a decides every request; the engines push each pass to the next node in turn
        WebTestClient client = Caller.client(portA);
        for (int i = 0; i < 16; i++) {
            client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(100)
                            + "\"}],\"max_tokens\":2}")
                    .exchange().expectStatus().isOk().expectBody().returnResult();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> meter(portB, "sbs_end_forward_applied_total",
                "path=\"standby\"") >= 4 && prefill(b).pushedForwardSamples() >= 4);
        assertThat(meter(portA, "sbs_end_forward_applied_total", "path=\"relayed\""))
                .as("the standby still relays what it takes to the leader").isPositive();
        long leaders = prefill(a).meanForwardNanos();
        a.close();

        await().atMost(Duration.ofSeconds(15)).until(() -> b.getBean(Leadership.class).isLeader());
        LoopSnapshot.PhaseView atTakeover = prefill(b);
        assertThat(atTakeover.forwardFromPushes()).isTrue();
        assertThat(atTakeover.pushedForwardSamples()).as("passes pushed to it while it stood by").isPositive();
        assertThat((double) atTakeover.meanForwardNanos() / leaders).as("T̄_fwd against the old leader's")
                .isBetween(0.5, 2.0);
        assertThat((double) atTakeover.meanForwardNanos() / coldStart).as("T̄_fwd against the offline default")
                .isLessThan(0.5);
        assertThat(meter(portB, "sbs_forward_from_pushes", "phase=\"prefill\"")).isEqualTo(1.0);
        assertThat(meter(portB, "sbs_end_forward_applied_total", "path=\"direct\""))
                .as("no push reached it as leader yet").isZero();
    }
}
