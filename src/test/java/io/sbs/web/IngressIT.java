package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.NettyLeaks;
import io.sbs.core.Phase;
import io.sbs.loop.DispatchLoop;
import io.sbs.loop.LoopSnapshot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The embedded default end to end over real HTTP: client → ingress → dispatch loop (SBS) → simulated
 * engines (in-process servers on their own ports) → back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"sbs.embedded.profile=divided", "sbs.embedded.demo-qps=0",
    "SBS_VIEWER_PASSWORD=ingress-viewer"})
class IngressIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The client's own connections, closed before the leak check so what they held can be collected. */
    private static ConnectionProvider connections;
    private static NettyLeaks leaks;

    @BeforeAll
    static void trackEveryBuffer() {
        leaks = NettyLeaks.paranoid();
        connections = ConnectionProvider.create("ingress-it");
    }

    /**
     * Nothing here leaks a buffer, the test's client included: WebTestClient leaves a body it was not asked
     * about unread, and Reactor Netty then holds its buffers until the collector finds them, which Netty
     * reports at ERROR in a later test (QuietStopIT's clean log). Every exchange reads its body.
     */
    @AfterAll
    static void noBufferLeaked() {
        try {
            connections.disposeLater().block(Duration.ofSeconds(10));
            assertThat(leaks.reports()).isEmpty();
        } finally {
            leaks.close();
        }
    }

    @LocalServerPort
    int port;

    private WebTestClient client() {
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(
                reactor.netty.http.client.HttpClient.create(connections)))
                .baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20)).build();
    }

    private static String chat(String extra) {
        return "{\"model\":\"sbs\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to the staggered batch "
                + "scheduler\"}]" + extra + "}";
    }

    @Test
    void chatCompletion_nonStreaming_answersWithUsageAndRequestId() {
        String body = client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .header("X-Request-Id", "abc-1").bodyValue(chat(",\"max_tokens\":3")).exchange()
                .expectStatus().isOk().expectHeader().valueEquals("X-Request-Id", "abc-1")
                .expectBody(String.class).returnResult().getResponseBody();
        JsonNode json = JSON.readTree(body);
        assertThat(json.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        assertThat(json.path("choices").get(0).path("message").path("content").asString()).isNotBlank();
    }

    @Test
    void chatCompletion_streaming_endsWithDone() {
        List<String> events = client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(chat(",\"max_tokens\":4,\"stream\":true")).exchange()
                .expectStatus().isOk().expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(String.class).getResponseBody().collectList().block(Duration.ofSeconds(20));
        assertThat(events).hasSize(5);
        assertThat(events.get(4)).isEqualTo("[DONE]");
        assertThat(JSON.readTree(events.get(0)).path("object").asString()).isEqualTo("chat.completion.chunk");
    }

    @Test
    void completions_andModels_work() {
        client().post().uri("/v1/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"prompt\":\"hello\",\"max_tokens\":2}").exchange().expectStatus().isOk().expectBody();
        client().get().uri("/v1/models").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.data[0].id").isEqualTo("sbs");
    }

    @Test
    void badRequests_getOpenAiErrors() {
        expectProblem("{not json", "malformed JSON");
        expectProblem("{\"model\":\"sbs\"}", "'messages' must be a non-empty array");
        expectProblem(chat(",\"max_tokens\":-5"), "'max_tokens' must be an integer from 0 to 131072");
        expectProblem("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(300_000) + "\"}]}",
                "more than the 65536");
        expectProblem(chat(",\"max_tokens\":123456789012345678901234567890"), "'max_tokens' must be an integer");
        expectProblem(chat(",\"max_completion_tokens\":-123456789012345678901234567890"),
                "'max_completion_tokens' must be an integer");
        expectProblem(chat(",\"max_tokens\":1.5"), "'max_tokens' must be an integer");
        expectProblem(chat(",\"max_tokens\":131072"), "maximum context length is 131072");
        expectProblem(chat(",\"stream\":true,\"stream\":false"), "Duplicate Object property \"stream\"");
    }

    @Test
    void streaming_maxTokensOfTwoToThe31_are400_andLeaveEveryUnitAsBefore() {
        // another test's stream may still be ending on a decode unit: start from a cluster holding no work
        List<LoopSnapshot.UnitView> before = await(() -> loop.snapshotNow().block(Duration.ofSeconds(10)).units(),
                units -> units.stream().allMatch(u -> u.batchSize() == 0 && u.outstandingTokens() == 0
                        && u.inflightTokens() == 0));
        for (int i = 0; i < 100; i++) {
            expectProblem(chat(",\"stream\":true,\"max_tokens\":2147483647"), "maximum context length");
        }
        assertThat(loop.snapshotNow().block(Duration.ofSeconds(10)).units()).isEqualTo(before);
    }

    @Test
    void garbledContentType_is415OpenAiError() throws Exception {
        // the JDK's client sends the header as given; Spring's clients would parse it first
        HttpClient http = HttpClient.newHttpClient();
        for (String type : new String[] {"///", "nosl", "application/json; charset=bogus-9"}) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v1/chat/completions")).header("Content-Type", type).timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofString(chat(""))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(type).isEqualTo(415);
            assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(JSON.readTree(answer.body()).path("error").path("type").asString()).isEqualTo("invalid_request_error");
        }
    }

    /** A 400 in the OpenAI error object, as the ingress answers every error (docs/api.md). */
    private void expectProblem(String body, String message) {
        client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody().jsonPath("$.error.type").isEqualTo("invalid_request_error").jsonPath("$.error.message")
                .value(String.class, d -> assertThat(d).contains(message));
    }

    @Test
    void endForward_withoutAnEngineTokenOrAllowAnonymous_isRefused() {
        client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"instance_id\":\"prefill-0\"}").exchange().expectStatus().isUnauthorized().expectBody();
    }

    @Autowired
    DispatchLoop loop;

    @Test
    void afterRequests_nothingIsLeftBuffered() {
        client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(chat(",\"max_tokens\":1")).exchange().expectStatus().isOk().expectBody();
        assertThat(loop.buffered()).isZero();
    }

    @Test
    void pd_everyRequestGetsPrefillAndDecodeUnits_andTheirAccountsEmptyAfterwards() {
        for (int i = 0; i < 4; i++) {
            client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(chat(",\"max_tokens\":3,\"stream\":" + (i % 2 == 0))).exchange().expectStatus().isOk().expectBody();
        }
        LoopSnapshot s = await(() -> loop.snapshotNow().block(), snap -> snap.units().stream()
                .allMatch(u -> u.outstandingTokens() == 0 && u.kvTokens() == 0));
        assertThat(s.decode()).isNotNull();
        assertThat(s.decode().instances()).isEqualTo(1);
        assertThat(s.units()).filteredOn(u -> u.phase() == Phase.DECODE).hasSize(32);
        // τ_net is timed from the decision to the engine request on the wire
        assertThat(s.prefill().dispatchLatencyNanos()).isPositive();
    }

    @Test
    void pd_streamedDecodeTokens_teachTheDecodeStepCost() {
        long before = loop.decodeStepsTimed().block();
        client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(chat(",\"max_tokens\":6,\"stream\":true")).exchange().expectStatus().isOk()
                .expectBody(String.class).value(body -> assertThat(body).contains("[DONE]"));
        // six tokens from the decode server: five gaps between them, each one step of its instance
        long after = await(() -> loop.decodeStepsTimed().block(), n -> n >= before + 5);
        assertThat(after - before).isEqualTo(5);
        // a non-streaming answer has no gaps to time
        client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(chat(",\"max_tokens\":6")).exchange().expectStatus().isOk().expectBody();
        assertThat(loop.decodeStepsTimed().block()).isEqualTo(after);
    }

    @Test
    void ingressAnswers_areTimedWithSpringsTags() {
        // the completions are served by Reactor Netty routes outside WebFlux (InferenceRoutes): operators and
        // bench live count them with the same meter and tags as every other answer
        client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(chat(",\"max_tokens\":2")).exchange().expectStatus().isOk().expectBody();
        expectProblem("{not json", "malformed JSON");
        Pattern answered = Pattern.compile("http_server_requests_seconds_count\\{error=\"none\",exception=\"none\","
                + "method=\"POST\",outcome=\"SUCCESS\",status=\"200\",uri=\"/v1/chat/completions\"} [1-9]");
        Pattern refused = Pattern.compile("http_server_requests_seconds_count\\{error=\"ErrorResponseException\","
                + "exception=\"ErrorResponseException\",method=\"POST\",outcome=\"CLIENT_ERROR\",status=\"400\","
                + "uri=\"/v1/chat/completions\"} [1-9]");
        // recorded as each answer ends, which may be a moment after the client has read it
        String text = await(() -> client().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody(),
                t -> answered.matcher(t).find() && refused.matcher(t).find());
        assertThat(text).containsPattern(answered).containsPattern(refused);
    }

    @Test
    void prometheus_showsTheDispatcherMeters() {
        client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(chat(",\"max_tokens\":2,\"stream\":true")).exchange().expectStatus().isOk().expectBody();
        expectProblem("{not json", "malformed JSON");
        String text = await(() -> client().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody(), t -> t.contains("sbs_unit_kv_tokens"));
        assertThat(text).contains("sbs_ttft_seconds_bucket{policy=\"sbs\"", "sbs_queue_scheduler_seconds_count{policy=\"sbs\"}",
                "sbs_queue_device_seconds_count{policy=\"sbs\"}", "sbs_buffer_depth", "sbs_interval_seconds{phase=\"prefill\"}",
                "sbs_forward_mean_seconds{phase=\"prefill\"}", "sbs_instances_healthy{phase=\"prefill\"} 3.0",
                "sbs_prefill_chunk_utilization", "sbs_watchdog_fires_total{phase=\"prefill\"}",
                "sbs_unit_available_tokens{dp_rank=\"0\",instance=\"prefill-0\"}",
                "sbs_unit_batch_size{dp_rank=\"31\",instance=\"decode-0\"}", "sbs_requests_rejected_total{reason=\"invalid\"}",
                "sbs_prompt_measurements_total{source=\"estimate\"}", "sbs_overloaded 0.0",
                "sbs_readiness_decisions_total{instance=\"prefill-0\",source=\"completion\"}",
                "sbs_readiness_decisions_total{instance=\"prefill-2\",source=\"watchdog\"}");
        assertThat(text).doesNotContain("sbs_readiness_decisions_total{instance=\"decode-0\"");
    }

    @Test
    void health_hasLivenessAndReadinessGroups() {
        client().get().uri("/actuator/health/liveness").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("UP");
        // the details are for a logged-in viewer (management.endpoint.health.show-details=when-authorized)
        client().get().uri("/actuator/health/readiness").headers(h -> h.setBasicAuth("viewer", "ingress-viewer"))
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.engines.status").isEqualTo("UP")
                .jsonPath("$.components.engines.details.prefill-2").isEqualTo("UP")
                .jsonPath("$.components.engines.details.decode-0").isEqualTo("UP");
    }

    /**
     * {@code read}'s value once {@code done} holds (gauges refresh every second); fails the test when it does
     * not within 30 s, so a check that waits also asserts.
     */
    private static <T> T await(java.util.function.Supplier<T> read, java.util.function.Predicate<T> done) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(read::get, done::test);
    }
}
