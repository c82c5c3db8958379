package io.sbs.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.InJvmNodes;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.formats.ProfileLoader;
import io.sbs.security.Caller;
import io.sbs.security.SecuredPlatform;
import io.sbs.sim.EngineProfile;
import io.sbs.state.Leadership;
import io.sbs.state.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Operator changes survive a takeover and a restart: two dispatchers on a real Redis, both configured with
 * the engines {@code prefill-0} and {@code prefill-1} (engine simulators over real HTTP). On the leader an
 * operator registers {@code prefill-r}, drains {@code prefill-1} and removes {@code prefill-0}; the standby
 * refuses a registration with 409 naming the leader. Then the leader stops, and the new leader sends every
 * request to {@code prefill-r}, the one instance left taking requests; a node started afresh takes the same
 * instances from the store, and the audit trail lists the three changes.
 */
class OperatorStateFailoverIT {

    private static final String CLUSTER = "operator-state-it";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final EngineProfile PROFILE = ProfileLoader.load("src/main/resources/chaos/engines.json");

    /** Passes that carried prompt tokens, per engine: what each engine was sent. */
    private final Map<String, AtomicInteger> passes = Map.of("prefill-0", new AtomicInteger(), "prefill-1",
            new AtomicInteger(), "prefill-r", new AtomicInteger());
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private EngineSimServer engine(String id, int seed) {
        EngineSimServer server = new EngineSimServer(id, PROFILE, 0, seed, report -> {
            if (java.util.Arrays.stream(report.passTokens()).sum() > 0) {
                passes.get(id).incrementAndGet();
            }
        });
        closing.add(server);
        return server;
    }

    private ConfigurableApplicationContext node(String nodeId, RedisServer redis, List<EngineSimServer> configured) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.main.banner-mode=off",
                "--sbs.embedded.demo-qps=0", "--sbs.state.store=redis", "--sbs.state.cluster=" + CLUSTER,
                "--sbs.state.node-id=" + nodeId, "--spring.data.redis.host=" + redis.host(),
                "--spring.data.redis.port=" + redis.port(), "--SBS_VIEWER_PASSWORD=" + SecuredPlatform.VIEWER_PASSWORD,
                "--SBS_OPERATOR_PASSWORD=" + SecuredPlatform.OPERATOR_PASSWORD));
        args.addAll(InJvmNodes.prefillInstances(configured, PROFILE));
        ConfigurableApplicationContext ctx = InJvmNodes.start(args);
        closing.add(ctx);
        return ctx;
    }

    private static WebTestClient client(ConfigurableApplicationContext node) {
        return Caller.client(node.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
    }

    private static JsonNode get(ConfigurableApplicationContext node, String path) {
        return JSON.readTree(Caller.VIEWER.as(client(node).get().uri(path)).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody());
    }

    /** Each instance this node has, with whether it drains. */
    private static Map<String, Boolean> instances(ConfigurableApplicationContext node) {
        Map<String, Boolean> out = new java.util.TreeMap<>();
        get(node, "/api/v1/cluster").path("instances").forEach(i -> out.put(i.path("id").asString(),
                i.path("draining").asBoolean()));
        return out;
    }

    @Test
    void registeredDrainedAndRemovedInstances_surviveTakeoverAndRestart_andAreAudited() {
        RedisServer redis = sharedRedis();
        List<EngineSimServer> configured = List.of(engine("prefill-0", 1), engine("prefill-1", 2));
        EngineSimServer extra = engine("prefill-r", 3);
        ConfigurableApplicationContext a = node("node-a", redis, configured);
        await().atMost(Duration.ofSeconds(15)).until(() -> a.getBean(Leadership.class).isLeader());
        ConfigurableApplicationContext b = node("node-b", redis, configured);
        await().atMost(Duration.ofSeconds(15)).until(() -> "node-a".equals(b.getBean(Leadership.class).status().leaderId()));
        long epoch = a.getBean(Leadership.class).status().epoch();

        String spec = "{\"id\":\"prefill-r\",\"url\":\"http://127.0.0.1:" + extra.port() + "\",\"kind\":\"sglang\","
                + "\"dpUnits\":" + PROFILE.prefill().dpUnits() + ",\"chunkTokens\":" + PROFILE.prefill().unitChunkTokens() + "}";
        Caller.OPERATOR.as(client(b).post().uri("/api/v1/instances")).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(spec).exchange().expectStatus().isEqualTo(409).expectBody()
                .jsonPath("$.leaderId").isEqualTo("node-a").jsonPath("$.nodeId").isEqualTo("node-b");
        Caller.OPERATOR.as(client(a).post().uri("/api/v1/instances")).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(spec).exchange().expectStatus().isCreated().expectBody();
        Caller.OPERATOR.as(client(a).post().uri("/api/v1/instances/prefill-1/drain")).exchange().expectStatus().isOk().expectBody();
        Caller.OPERATOR.as(client(a).delete().uri("/api/v1/instances/prefill-0")).exchange().expectStatus().isNoContent().expectBody();
        Map<String, Boolean> expected = Map.of("prefill-1", true, "prefill-r", false);
        assertThat(instances(a)).isEqualTo(expected);
        // the standby follows the store within a sync period
        await().atMost(Duration.ofSeconds(10)).until(() -> instances(b).equals(expected));

        a.close();
        await().atMost(Duration.ofSeconds(15)).until(() -> b.getBean(Leadership.class).isLeader());
        int before0 = passes.get("prefill-0").get();
        int before1 = passes.get("prefill-1").get();
        int beforeR = passes.get("prefill-r").get();
        for (int i = 0; i < 8; i++) {
            client(b).post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(200)
                            + "\"}],\"max_tokens\":2}")
                    .exchange().expectStatus().isOk().expectBody().returnResult();
        }
        assertThat(passes.get("prefill-r").get()).as("passes of the registered instance after the takeover")
                .isGreaterThan(beforeR);
        assertThat(passes.get("prefill-0").get()).as("the removed instance gets nothing").isEqualTo(before0);
        assertThat(passes.get("prefill-1").get()).as("the drained instance gets nothing").isEqualTo(before1);

        JsonNode audit = get(b, "/api/v1/instances/audit?limit=10");
        assertThat(audit.valueStream().map(c -> c.path("action").asString() + " " + c.path("instance").asString()))
                .containsExactly("remove prefill-0", "drain prefill-1", "register prefill-r");
        assertThat(audit.valueStream().map(c -> c.path("actor").asString())).containsOnly("operator");
        assertThat(audit.valueStream().map(c -> c.path("epoch").asLong())).containsOnly(epoch);
        assertThat(audit.get(0).path("version").asLong()).isEqualTo(3);

        // a node started afresh (the old leader's id, now a standby) reads the same instances from the store
        ConfigurableApplicationContext again = node("node-a", redis, configured);
        await().atMost(Duration.ofSeconds(10)).until(() -> instances(again).equals(expected));
    }

    private static RedisServer sharedRedis() {
        try {
            RedisServer redis = RedisServer.shared();
            redis.flushed();
            return redis;
        } catch (Exception e) {
            throw new IllegalStateException("no Redis for the test", e);
        }
    }
}
