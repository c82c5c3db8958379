package io.sbs.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.SbsApplication;
import io.sbs.security.Caller;
import io.sbs.state.LeaderElection;
import io.sbs.state.LeaderLease;
import io.sbs.state.LeaseTimings;
import io.sbs.state.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A dispatcher that is standby, on a real Redis where another node holds the lease: it answers reads,
 * and refuses every change with 409 naming the leader and its epoch, so an operator (or a script) knows
 * where to send it.
 */
class StandbyIT {

    private static final String CLUSTER = "standby-it";
    private static LeaderElection other;
    private static ConfigurableApplicationContext standby;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        RedisServer redis = RedisServer.shared();
        redis.flushed();
        other = new LeaderElection(new LeaderLease(redis.template(), CLUSTER, "leader-node",
                LeaseTimings.DEFAULTS.ttl()), LeaseTimings.DEFAULTS, System::nanoTime).start();
        await().atMost(Duration.ofSeconds(10)).until(other::isLeader);
        standby = new SpringApplicationBuilder(SbsApplication.class).run("--server.port=0",
                "--spring.main.banner-mode=off", "--sbs.embedded.demo-qps=0", "--sbs.state.store=redis",
                "--sbs.state.cluster=" + CLUSTER, "--sbs.state.node-id=standby-node",
                "--spring.data.redis.host=" + redis.host(), "--spring.data.redis.port=" + redis.port(),
                "--SBS_VIEWER_PASSWORD=" + io.sbs.security.SecuredPlatform.VIEWER_PASSWORD,
                "--SBS_OPERATOR_PASSWORD=" + io.sbs.security.SecuredPlatform.OPERATOR_PASSWORD);
        port = standby.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    @AfterAll
    static void stop() {
        if (standby != null) {
            standby.close();
        }
        if (other != null) {
            other.close();
        }
    }

    private static WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20))
                .build();
    }

    @Test
    void reads_work_andShowTheLeader() {
        Caller.VIEWER.as(client().get().uri("/api/v1/leader")).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.nodeId").isEqualTo("standby-node")
                .jsonPath("$.leader").isEqualTo(false)
                .jsonPath("$.leaderId").isEqualTo("leader-node")
                .jsonPath("$.epoch").isEqualTo(other.status().epoch());
        Caller.VIEWER.as(client().get().uri("/api/v1/policies")).exchange().expectStatus().isOk()
                .expectBody().returnResult();
        Caller.VIEWER.as(client().get().uri("/api/v1/cluster")).exchange().expectStatus().isOk()
                .expectBody().returnResult();
    }

    record Change(HttpMethod method, String path, String body) {
    }

    @Test
    void everyChange_is409_namingTheLeaderAndItsEpoch() {
        String body = "{\"id\":\"p9\",\"url\":\"http://127.0.0.1:1\",\"kind\":\"sglang\",\"dpUnits\":1,\"chunkTokens\":8}";
        List<Change> changes = List.of(
                new Change(HttpMethod.PUT, "/api/v1/policies", "{\"name\":\"round-robin\"}"),
                new Change(HttpMethod.PATCH, "/api/v1/policies", "{\"iqrKappa\":2}"),
                new Change(HttpMethod.PUT, "/api/v1/interval/override", "{\"interval\":\"PT0.02S\"}"),
                new Change(HttpMethod.DELETE, "/api/v1/interval/override", null),
                new Change(HttpMethod.POST, "/api/v1/instances", body),
                new Change(HttpMethod.DELETE, "/api/v1/instances/prefill-0", null),
                new Change(HttpMethod.POST, "/api/v1/instances/prefill-0/drain", null),
                new Change(HttpMethod.DELETE, "/api/v1/instances/prefill-0/drain", null));
        for (Change c : changes) {
            WebTestClient.RequestBodySpec request = Caller.OPERATOR.as(client().method(c.method()).uri(c.path()))
                    .header(HttpHeaders.IF_MATCH, "*");
            (c.body() == null ? request : request.contentType(MediaType.APPLICATION_JSON).bodyValue(c.body()))
                    .exchange().expectStatus().isEqualTo(409)
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.status").isEqualTo(409)
                    .jsonPath("$.leaderId").isEqualTo("leader-node")
                    .jsonPath("$.epoch").isEqualTo(other.status().epoch())
                    .jsonPath("$.nodeId").isEqualTo("standby-node")
                    .jsonPath("$.detail").value(String.class, d -> assertThat(d).contains("leader-node"));
        }
        // nothing changed here
        Caller.VIEWER.as(client().get().uri("/api/v1/cluster")).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.instances.length()").isEqualTo(4)
                .jsonPath("$.instances[0].draining").isEqualTo(false);
    }
}
