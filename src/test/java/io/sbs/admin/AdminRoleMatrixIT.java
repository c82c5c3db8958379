package io.sbs.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.cluster.EngineCluster;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.formats.ProfileLoader;
import io.sbs.security.Caller;
import io.sbs.security.SecuredPlatform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Every admin endpoint against every caller, with the exact answer: anonymous 401, the engine token 403,
 * a viewer 2xx on reads and 403 on changes, an operator 2xx everywhere. Refused changes change nothing.
 * Changes to instances act on a throwaway instance registered for the case, backed by a real (simulated)
 * engine over HTTP.
 */
@SecuredPlatform
class AdminRoleMatrixIT {

    private static final AtomicInteger IDS = new AtomicInteger();
    private static EngineSimServer engine;

    @LocalServerPort
    int port;
    @Autowired
    EngineCluster engines;

    @BeforeAll
    static void startEngine() {
        engine = new EngineSimServer("throwaway", ProfileLoader.load("divided"), 0, 3, report -> { });
    }

    @AfterAll
    static void stopEngine() {
        engine.close();
    }

    /**
     * @param path    {@code {id}} stands for the case's throwaway instance
     * @param success what an allowed caller gets
     * @param read    a viewer may call it
     */
    record Endpoint(HttpMethod method, String path, @Nullable String body, int success, boolean read,
            boolean throwaway) {

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    static List<Endpoint> endpoints() {
        return List.of(
                new Endpoint(HttpMethod.GET, "/api/v1/cluster", null, 200, true, false),
                new Endpoint(HttpMethod.GET, "/api/v1/leader", null, 200, true, false),
                new Endpoint(HttpMethod.GET, "/api/v1/instances/prefill-0", null, 200, true, false),
                new Endpoint(HttpMethod.GET, "/api/v1/policies", null, 200, true, false),
                new Endpoint(HttpMethod.GET, "/api/v1/policies/audit", null, 200, true, false),
                new Endpoint(HttpMethod.GET, "/api/v1/instances/audit", null, 200, true, false),
                new Endpoint(HttpMethod.GET, "/api/v1/interval", null, 200, true, false),
                new Endpoint(HttpMethod.POST, "/api/v1/policies/preview", "{\"policy\":{\"name\":\"round-robin\"}}",
                        200, false, false),
                new Endpoint(HttpMethod.PUT, "/api/v1/policies", "{\"name\":\"sbs\"}", 200, false, false),
                new Endpoint(HttpMethod.PATCH, "/api/v1/policies", "{\"iqrKappa\":1.5}", 200, false, false),
                new Endpoint(HttpMethod.PUT, "/api/v1/interval/override", "{\"interval\":null}", 200, false, false),
                new Endpoint(HttpMethod.DELETE, "/api/v1/interval/override", null, 200, false, false),
                new Endpoint(HttpMethod.POST, "/api/v1/instances", "REGISTER", 201, false, false),
                new Endpoint(HttpMethod.POST, "/api/v1/instances/{id}/drain", null, 200, false, true),
                new Endpoint(HttpMethod.DELETE, "/api/v1/instances/{id}/drain", null, 200, false, true),
                new Endpoint(HttpMethod.DELETE, "/api/v1/instances/{id}", null, 204, false, true));
    }

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            for (Caller c : Caller.values()) {
                int expected = switch (c) {
                    case ANONYMOUS -> 401;
                    case ENGINE -> 403;
                    case VIEWER -> e.read() ? e.success() : 403;
                    case OPERATOR -> e.success();
                };
                out.add(Arguments.of(e, c, expected));
            }
        }
        return out.stream();
    }

    // every answer's body is read to its end (expectBody), so its connection goes back to the client's pool
    private WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20))
                .build();
    }

    private String registration(String id) {
        return "{\"id\":\"" + id + "\",\"url\":\"http://127.0.0.1:" + engine.port() + "\",\"kind\":\"sglang\","
                + "\"dpUnits\":2,\"chunkTokens\":1024,\"bootstrapPort\":" + engine.port() + "}";
    }

    private String etag() {
        return Caller.VIEWER.as(client().get().uri("/api/v1/policies")).exchange().expectStatus().isOk()
                .expectBody().returnResult().getResponseHeaders().getETag();
    }

    @ParameterizedTest(name = "{0} as {1} -> {2}")
    @MethodSource("matrix")
    void endpoint_asCaller_answersExactly(Endpoint e, Caller caller, int expected) {
        String id = "throwaway-" + IDS.incrementAndGet();
        if (e.throwaway()) {
            Caller.OPERATOR.as(client().post().uri("/api/v1/instances")).contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(registration(id)).exchange().expectStatus().isCreated().expectBody().returnResult();
        }
        if (e.path().endsWith("/preview")) {
            // something recorded to replay
            client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}")
                    .exchange().expectStatus().isOk().expectBody().returnResult();
        }
        String versionBefore = etag();
        try {
            WebTestClient.RequestBodySpec request = caller.as(client().method(e.method()).uri(e.path().replace("{id}", id)))
                    .header(HttpHeaders.IF_MATCH, versionBefore);
            WebTestClient.RequestHeadersSpec<?> ready = e.body() == null ? request
                    : request.contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(e.body().equals("REGISTER") ? registration(id) : e.body());
            WebTestClient.ResponseSpec response = ready.exchange().expectStatus().isEqualTo(expected);
            if (expected == 401) {
                response.expectHeader().exists(HttpHeaders.WWW_AUTHENTICATE);
            }
            if (expected >= 400) {
                response.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                        .expectBody().jsonPath("$.status").isEqualTo(expected);
                assertThat(etag()).as("a refused change changes nothing").isEqualTo(versionBefore);
                assertThat(engines.contains(id)).isEqualTo(e.throwaway());
            } else {
                response.expectBody().returnResult();
            }
        } finally {
            if (engines.contains(id)) {
                Caller.OPERATOR.as(client().delete().uri("/api/v1/instances/" + id)).exchange().expectStatus()
                        .isNoContent().expectBody().isEmpty();
            }
        }
    }
}
