package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The embedded default end to end over real HTTP: client → ingress → dispatch loop (SBS) → simulated
 * engines (in-process servers on their own ports) → back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"sbs.embedded.profile=divided", "sbs.embedded.demo-qps=0"})
class IngressIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    private WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20)).build();
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
                .bodyValue("{\"prompt\":\"hello\",\"max_tokens\":2}").exchange().expectStatus().isOk();
        client().get().uri("/v1/models").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.data[0].id").isEqualTo("sbs");
    }

    @Test
    void badRequests_getProblemDetails() {
        expectProblem("{not json", "malformed JSON");
        expectProblem("{\"model\":\"sbs\"}", "'messages' must be a non-empty array");
        expectProblem(chat(",\"max_tokens\":-5"), "'max_tokens' must be a non-negative integer");
        expectProblem("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(300_000) + "\"}]}",
                "more than the 65536");
    }

    private void expectProblem(String body, String detail) {
        client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(400).jsonPath("$.detail")
                .value(String.class, d -> assertThat(d).contains(detail));
    }

    @Test
    void endForward_badPush_isRejected() {
        client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"instance_id\":\"prefill-0\"}").exchange().expectStatus().isBadRequest();
    }

    @Autowired
    io.sbs.loop.DispatchLoop loop;

    @Test
    void afterRequests_nothingIsLeftBuffered() {
        client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(chat(",\"max_tokens\":1")).exchange().expectStatus().isOk();
        assertThat(loop.buffered()).isZero();
    }
}
