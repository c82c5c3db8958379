package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.web.RecordingEngine.Received;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the dispatcher puts on the wire towards SGLang and vLLM engines: DP-rank pinning in each
 * dialect, request-id propagation, load polling, and the EndForward endpoint's contract. One dispatcher
 * serves the class; it routes round robin over the four DP units (SGLang ranks 0 and 1, then vLLM ranks
 * 0 and 1), so any four consecutive requests reach every unit once whatever ran before.
 */
class EngineWireIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static RecordingEngine sglang;
    private static RecordingEngine vllm;
    private static WireDispatcher dispatcher;

    @BeforeAll
    static void start() {
        sglang = RecordingEngine.sglang("sglang", 2);
        vllm = RecordingEngine.vllm("vllm", 2);
        dispatcher = WireDispatcher.start(List.of(sglang, vllm), 4096, "sbs.policy=round-robin");
    }

    @AfterAll
    static void stop() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        sglang.close();
        vllm.close();
    }

    private static WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl(dispatcher.baseUrl()).responseTimeout(WireDispatcher.WAIT).build();
    }

    private static String chat(String extra) {
        return "{\"model\":\"m\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"pin me\"}]" + extra + "}";
    }

    /** Sends one round of four requests with ids {@code prefix-0..3}; returns the answers' bodies. */
    private static List<String> oneRound(String prefix) {
        return java.util.stream.IntStream.range(0, 4).mapToObj(i -> client().post().uri("/v1/chat/completions")
                .contentType(MediaType.APPLICATION_JSON).header("X-Request-Id", prefix + "-" + i).bodyValue(chat(""))
                .exchange().expectStatus().isOk().expectHeader().valueEquals("X-Request-Id", prefix + "-" + i)
                .expectBody(String.class).returnResult().getResponseBody()).toList();
    }

    private static List<Received> receivedWithPrefix(RecordingEngine engine, String prefix) {
        return engine.received().stream().filter(r -> r.requestId() != null && r.requestId().startsWith(prefix + "-"))
                .toList();
    }

    @Test
    void sglang_requestIsPinnedByBodyFieldAndHeader_andCarriesTheClientsRequestId() {
        List<String> answers = oneRound("sg");

        List<Received> got = receivedWithPrefix(sglang, "sg");
        assertThat(got).hasSize(2);
        for (Received r : got) {
            assertThat(r.path()).isEqualTo("/v1/chat/completions");
            JsonNode rank = r.body().get("data_parallel_rank");
            assertThat(rank).isNotNull();
            assertThat(rank.isIntegralNumber()).isTrue();
            assertThat(r.header("X-Data-Parallel-Rank")).isEqualTo(rank.asString());
            // the client's own fields pass through
            assertThat(r.body().path("messages").get(0).path("content").asString()).isEqualTo("pin me");
            assertThat(r.body().path("max_tokens").asInt()).isEqualTo(8);
        }
        // round robin over the instance's two ranks: each is pinned once, and both are valid ranks
        assertThat(got.stream().map(r -> r.body().get("data_parallel_rank").asInt()).collect(Collectors.toSet()))
                .isEqualTo(Set.of(0, 1));
        // the answer the client gets is the engine's
        assertThat(answers).filteredOn(a -> a.contains("hello from sglang")).hasSize(2);
        assertThat(receivedWithPrefix(vllm, "sg")).hasSize(2);
        assertThat(got.stream().map(Received::requestId).collect(Collectors.toSet()))
                .isSubsetOf(Set.of("sg-0", "sg-1", "sg-2", "sg-3")).hasSize(2);
    }

    @Test
    void vllm_requestIsPinnedByHeaderOnly_andCarriesTheClientsRequestId() {
        List<String> answers = oneRound("vl");

        List<Received> got = receivedWithPrefix(vllm, "vl");
        assertThat(got).hasSize(2);
        for (Received r : got) {
            assertThat(r.body().has("data_parallel_rank")).isFalse();
            assertThat(r.body().has("routed_dp_rank")).isFalse();
            assertThat(r.body().path("messages").get(0).path("content").asString()).isEqualTo("pin me");
        }
        assertThat(got.stream().map(r -> r.header("X-data-parallel-rank")).collect(Collectors.toSet()))
                .isEqualTo(Set.of("0", "1"));
        assertThat(got.stream().map(Received::requestId).collect(Collectors.toSet()))
                .isSubsetOf(Set.of("vl-0", "vl-1", "vl-2", "vl-3")).hasSize(2);
        assertThat(answers).filteredOn(a -> a.contains("hello from vllm")).hasSize(2);
    }

    @Test
    void streaming_isPinnedToo_andEndsWithDone() {
        for (int i = 0; i < 4; i++) {
            List<String> events = client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .header("X-Request-Id", "st-" + i).bodyValue(chat(",\"stream\":true")).exchange()
                    .expectStatus().isOk().expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                    .returnResult(String.class).getResponseBody().collectList().block(WireDispatcher.WAIT);
            assertThat(events).hasSize(3).last().isEqualTo("[DONE]");
            assertThat(JSON.readTree(events.get(1)).path("object").asString()).isEqualTo("chat.completion.chunk");
        }
        List<Received> sg = receivedWithPrefix(sglang, "st");
        List<Received> vl = receivedWithPrefix(vllm, "st");
        assertThat(sg).hasSize(2).allSatisfy(r -> {
            assertThat(r.body().path("stream").asBoolean()).isTrue();
            assertThat(r.body().path("data_parallel_rank").asString()).isEqualTo(r.header("X-Data-Parallel-Rank"));
        });
        assertThat(vl).hasSize(2).allSatisfy(r -> {
            assertThat(r.body().path("stream").asBoolean()).isTrue();
            assertThat(r.body().has("data_parallel_rank")).isFalse();
            assertThat(r.header("X-data-parallel-rank")).isIn("0", "1");
        });
    }

    @Test
    void polling_sglangIsAskedForGetLoad_andVllmForMetrics_everyPollInterval() {
        int sgBefore = sglang.polls().size();
        int vlBefore = vllm.polls().size();
        // sbs.poll-interval=50ms: a few polls are due within a second; 10 s is only the bound
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(sglang.polls().size() - sgBefore).isGreaterThanOrEqualTo(3);
            assertThat(vllm.polls().size() - vlBefore).isGreaterThanOrEqualTo(3);
        });
        assertThat(sglang.polls()).containsOnly("/get_load");
        assertThat(vllm.polls()).containsOnly("/metrics");
    }

    @Test
    void endForward_withTheEngineToken_isAccepted() {
        client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON)
                .header("Authorization", "Bearer " + WireDispatcher.ENGINE_TOKEN)
                .bodyValue(WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 2, 20, 0))
                .exchange().expectStatus().isNoContent().expectBody().isEmpty();
    }

    @Test
    void endForward_withoutOrWithAWrongToken_is401ProblemDetails() {
        String body = WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 2, 20, 0);
        for (String auth : new String[] {null, "Bearer not-the-token", WireDispatcher.ENGINE_TOKEN}) {
            WebTestClient.RequestHeadersSpec<?> call = client().post().uri("/internal/v1/end-forward")
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(body);
            if (auth != null) {
                call = call.header("Authorization", auth);
            }
            call.exchange().expectStatus().isUnauthorized()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.status").isEqualTo(401)
                    .jsonPath("$.detail").isEqualTo("a valid engine token is required");
        }
    }

    @Test
    void endForward_malformed_is400ProblemDetailsNamingTheFault() {
        expectBadPush("{not json", 400, "not JSON");
        expectBadPush("{\"duration_ms\":5,\"pass_tokens\":[0],\"received_tokens\":[0],\"next_pass_tokens\":[0],"
                + "\"backlog_tokens\":[0]}", 400, "instance_id is required");
        expectBadPush("{\"instance_id\":\"engine-0\",\"instance_id\":\"engine-1\",\"duration_ms\":5}", 400,
                "Duplicate");
    }

    @Test
    void endForward_outsidePhysicalBounds_is422NamingTheFault_andCounted() {
        double before = rejected("out-of-bounds") + rejected("wrong-shape") + rejected("unknown-instance");
        expectBadPush(push("engine-0", "0", "[0,0]"), 422, "duration_ms must be above 0");
        expectBadPush(push("engine-0", "60001", "[0,0]"), 422, "at most 60000");
        expectBadPush(push("engine-0", "5", "[0,-1]"), 422, "negative count");
        expectBadPush(push("engine-0", "5", "[0,4294967296]"), 422, "above 2147483647");
        expectBadPush(push("engine-0", "5", "[0]"), 422, "has 2 DP units");
        expectBadPush(push("nobody", "5", "[0,0]"), 422, "no instance 'nobody'");
        expectBadPush("{\"instance_id\":\"engine-0\",\"duration_ms\":5,\"pass_tokens\":[0,0],\"received_tokens\":[0],"
                + "\"next_pass_tokens\":[0],\"backlog_tokens\":[0]}", 422, "arrays differ in length");
        assertThat(rejected("out-of-bounds") + rejected("wrong-shape") + rejected("unknown-instance") - before)
                .isEqualTo(7);
    }

    @Test
    void endForward_absurdDuration_is422_andLeavesIntervalAndMeanForwardAlone() {
        dispatcher.endForward(WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 2, 20, 0)).block(WireDispatcher.WAIT);
        long[] before = intervalAndMeanForward();
        expectBadPush(push("engine-0", "1e300", "[0,0]"), 422, "duration_ms");
        expectBadPush(push("engine-0", "1e12", "[0,0]"), 422, "duration_ms");
        assertThat(intervalAndMeanForward()).containsExactly(before);
    }

    private static long[] intervalAndMeanForward() {
        var prefill = dispatcher.loop().snapshotNow().block(WireDispatcher.WAIT).prefill();
        return new long[] {prefill.intervalNanos(), prefill.meanForwardNanos()};
    }

    private static double rejected(String reason) {
        var counter = dispatcher.meters().find("sbs.end_forward.rejected").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private static String push(String instance, String durationMs, String pass) {
        String zeros = pass.replaceAll("[0-9-]+", "0");
        return "{\"instance_id\":\"" + instance + "\",\"duration_ms\":" + durationMs + ",\"pass_tokens\":" + pass
                + ",\"received_tokens\":" + zeros + ",\"next_pass_tokens\":" + zeros + ",\"backlog_tokens\":" + zeros
                + "}";
    }

    private static void expectBadPush(String body, int status, String detail) {
        client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON)
                .header("Authorization", "Bearer " + WireDispatcher.ENGINE_TOKEN).bodyValue(body)
                .exchange().expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(status)
                .jsonPath("$.detail").value(String.class, d -> assertThat(d).contains(detail));
    }
}
