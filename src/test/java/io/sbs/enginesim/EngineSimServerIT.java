package io.sbs.enginesim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.sbs.sim.EngineProfile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The engine simulator over real HTTP, as the dispatcher and the embedded default will use it. */
class EngineSimServerIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    // 4 units of 1000 tokens; a pass of 40 ms + 0.05 ms per token of the straggler; decode steps of 2 ms
    private static final EngineProfile PROFILE = new EngineProfile("it", "",
            new EngineProfile.Prefill(1, 4, 1000, EngineProfile.ChunkSemantics.PER_UNIT, 40, 0.05, 0, 0, 0, 0, 512),
            new EngineProfile.Decode(1, 4, 100_000, 2, 0, 0, 0, 0), new EngineProfile.Network(0, 0, 0));

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<JsonNode> pushes = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private DisposableServer receiver;
    private EngineSimServer engine;

    @BeforeEach
    void start() {
        receiver = HttpServer.create().port(0).route(r -> r.post("/end-forward", (req, res) -> {
            authorizations.add(String.valueOf(req.requestHeaders().get("authorization")));
            return req.receive().aggregate().asString().flatMap(body -> {
                pushes.add(JSON.readTree(body));
                return Mono.from(res.status(204).send());
            });
        })).bindNow();
        engine = new EngineSimServer("prefill-0", PROFILE, 0, 1,
                "http://127.0.0.1:" + receiver.port() + "/end-forward", "test-token");
    }

    @AfterEach
    void stop() {
        engine.close();
        receiver.disposeNow();
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.port() + path))
                .timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.port() + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void chatCompletion_nonStreaming_answersWithUsage_andPushesEndForward() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(400) + "\"}],"
                        + "\"max_tokens\":3,\"data_parallel_rank\":2}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(100);
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        assertThat(body.path("choices").get(0).path("message").path("content").asString()).isEqualTo("tok0 tok1 tok2 ");
        await().atMost(Duration.ofSeconds(5)).until(() -> !pushes.isEmpty());
        JsonNode push = pushes.get(0);
        assertThat(push.path("instance_id").asString()).isEqualTo("prefill-0");
        assertThat(push.path("pass_tokens").get(2).asInt()).isEqualTo(100);
        assertThat(push.path("received_tokens").get(2).asInt()).isEqualTo(100);
        assertThat(push.path("duration_ms").asDouble()).isBetween(44.0, 46.0);
        assertThat(authorizations).contains("Bearer test-token");
    }

    @Test
    void completion_streaming_sendsOneEventPerTokenAndDone() throws Exception {
        HttpResponse<String> r = post("/v1/completions", "{\"prompt\":\"hello\",\"max_tokens\":4,\"stream\":true}",
                "X-Data-Parallel-Rank", "1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("text/event-stream"));
        List<String> events = r.body().lines().filter(l -> l.startsWith("data: ")).toList();
        assertThat(events).hasSize(5);
        assertThat(events.get(4)).isEqualTo("data: [DONE]");
        assertThat(JSON.readTree(events.get(3).substring(6)).path("choices").get(0).path("finish_reason").asString())
                .isEqualTo("length");
    }

    @Test
    void getLoad_whileALongPromptRuns_showsItsRankBusy_thenIdle() throws Exception {
        CompletableFuture<HttpResponse<String>> pending = CompletableFuture.supplyAsync(() -> {
            try {
                String ids = java.util.stream.IntStream.range(0, 2500).mapToObj(Integer::toString)
                        .collect(java.util.stream.Collectors.joining(",", "[", "]"));
                return post("/generate", "{\"input_ids\":" + ids + ",\"sampling_params\":{\"max_new_tokens\":1},"
                        + "\"data_parallel_rank\":3}");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // 2500 tokens on a 1000-token chunk: three passes of 90 ms
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
            JsonNode load = JSON.readTree(get("/get_load").body());
            assertThat(load.get(3).path("num_reqs").asInt()).isEqualTo(1);
        });
        assertThat(pending.get().statusCode()).isEqualTo(200);
        JsonNode after = JSON.readTree(get("/get_load").body());
        for (JsonNode rank : after) {
            assertThat(rank.path("num_reqs").asInt()).isZero();
        }
    }

    @Test
    void prefixCache_aRepeatedPrefixOnItsRank_isNotComputedAgain_andReported() throws Exception {
        // the same units, each caching 8 blocks of 100 tokens
        EngineProfile.Prefill p = PROFILE.prefill();
        EngineProfile caching = PROFILE.withPrefill(new EngineProfile.Prefill(1, 4, 1000, p.chunkSemantics(), 40, 0.05,
                0, 0, 0, 8, 100));
        try (EngineSimServer cached = new EngineSimServer("prefill-c", caching, 0, 1,
                "http://127.0.0.1:" + receiver.port() + "/end-forward", null)) {
            String first = ids(0, 550);
            String second = ids(0, 650);
            JsonNode a = answer(cached, "{\"prompt\":" + first + ",\"max_tokens\":1,\"data_parallel_rank\":1}");
            assertThat(a.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isZero();
            JsonNode b = answer(cached, "{\"prompt\":" + second + ",\"max_tokens\":1,\"data_parallel_rank\":1}");
            // five whole blocks of the first prompt are the second's first five
            assertThat(b.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(500);
            assertThat(b.path("usage").path("prompt_tokens").asInt()).isEqualTo(650);
            // the pass that received the second prompt (650 tokens) computed only its uncached 150
            await().atMost(Duration.ofSeconds(5)).until(() -> pushes.stream()
                    .anyMatch(push -> push.path("received_tokens").get(1).asInt() == 650));
            assertThat(pushes.stream().filter(push -> push.path("received_tokens").get(1).asInt() == 650)
                    .map(push -> push.path("pass_tokens").get(1).asInt())).containsExactly(150);
            JsonNode c = answer(cached, "{\"prompt\":" + second + ",\"max_tokens\":1,\"data_parallel_rank\":2}");
            assertThat(c.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt())
                    .as("another rank's cache").isZero();
            HttpResponse<String> load = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cached.port()
                    + "/get_load")).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode rank1 = JSON.readTree(load.body()).get(1);
            assertThat(rank1.path("prompt_tokens_total").asLong()).isEqualTo(1200);
            assertThat(rank1.path("cached_tokens_total").asLong()).isEqualTo(500);
            assertThat(rank1.path("cache_hit_rate").asDouble()).isCloseTo(500.0 / 1200, within(1e-9));
        }
    }

    private static String ids(int from, int to) {
        return java.util.stream.IntStream.range(from, to).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    private JsonNode answer(EngineSimServer server, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/v1/completions")).timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void badRequests_getProblemDetails() throws Exception {
        HttpResponse<String> malformed = post("/v1/chat/completions", "{not json");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(malformed.body()).path("detail").asString()).contains("malformed JSON");
        HttpResponse<String> badRank = post("/v1/chat/completions", "{\"messages\":[],\"data_parallel_rank\":9}");
        assertThat(badRank.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badRank.body()).path("detail").asString()).contains("out of range 0..3");
    }

    @Test
    void faults_refuseAndSilence_takeEffect() throws Exception {
        assertThat(post("/faults", "{\"refuse\":true}").statusCode()).isEqualTo(204);
        assertThat(get("/health").statusCode()).isEqualTo(503);
        assertThat(post("/v1/completions", "{\"prompt\":\"x\"}").statusCode()).isEqualTo(503);
        assertThat(post("/faults", "{\"refuse\":false,\"silent\":true}").statusCode()).isEqualTo(204);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":1}").statusCode()).isEqualTo(200);
        assertThat(pushes).isEmpty();
    }

    @Test
    void pd_decodeServerWaitsForThePrefillOfItsRoom_thenStreams_andReportsItsLoad() throws Exception {
        try (DecodeSimServer decode = new DecodeSimServer("decode-0", PROFILE, 0)) {
            String pd = ",\"bootstrap_host\":\"127.0.0.1\",\"bootstrap_port\":" + engine.port() + ",\"bootstrap_room\":42}";
            String decodeBody = "{\"prompt\":\"hello\",\"max_tokens\":40,\"stream\":true,\"data_parallel_rank\":3" + pd;
            CompletableFuture<HttpResponse<String>> answer = http.sendAsync(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + decode.port() + "/v1/completions")).timeout(Duration.ofSeconds(10))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(decodeBody)).build(),
                    HttpResponse.BodyHandlers.ofString());
            // the decode side has nothing to stream until the room is prefilled
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> !answer.isDone());
            assertThat(post("/v1/completions", "{\"prompt\":\"hello\",\"max_tokens\":1" + pd).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                HttpResponse<String> load = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + decode.port() + "/get_load")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                return JSON.readTree(load.body()).get(3).path("num_reqs").asInt() == 1 || answer.isDone();
            });
            HttpResponse<String> r = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body().lines().filter(l -> l.startsWith("data: ")).toList()).hasSize(41).last()
                    .isEqualTo("data: [DONE]");
        }
    }

    @Test
    void pd_prefillServerClosingTheBootstrapConnection_failsTheTransfer_with502() throws Exception {
        // a prefill server that stops while the decode server waits on its room: the connection closes unanswered
        DisposableServer closing = HttpServer.create().port(0)
                .handle((req, res) -> Mono.delay(Duration.ofMillis(100)).then(Mono.fromRunnable(() -> res.withConnection(
                        connection -> connection.channel().close())))).bindNow();
        try (DecodeSimServer decode = new DecodeSimServer("decode-0", PROFILE, 0)) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + decode.port() + "/v1/completions")).timeout(Duration.ofSeconds(10))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hello\",\"bootstrap_host\":\"127.0.0.1\","
                            + "\"bootstrap_port\":" + closing.port() + ",\"bootstrap_room\":7}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).contains("KV transfer failed").contains("bootstrap unreachable");
        } finally {
            closing.disposeNow();
        }
    }

    @Test
    void pd_decodeServerWithoutBootstrapFields_answers400() throws Exception {
        try (DecodeSimServer decode = new DecodeSimServer("decode-0", PROFILE, 0)) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + decode.port() + "/v1/completions")).timeout(Duration.ofSeconds(10))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hello\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("bootstrap_host, bootstrap_port and bootstrap_room");
        }
    }
}
