package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.enginesim.EngineSimServer;
import io.sbs.sim.EngineProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAI wire as a client reads it, byte for byte, over real HTTP: the dispatcher's stream against the
 * engine simulator's own for the same request, a naive line reader, {@code stream_options.include_usage},
 * the model list, and every error in the OpenAI error object (before the first byte with its status, mid
 * stream as an error event followed by {@code data: [DONE]}).
 */
class WireFidelityIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final EngineProfile PROFILE = new EngineProfile("wire", "",
            new EngineProfile.Prefill(1, 4, 1000, EngineProfile.ChunkSemantics.PER_UNIT, 20, 0.01, 0, 0, 0, 0, 512),
            new EngineProfile.Decode(1, 4, 100_000, 1, 0, 0, 0, 0), new EngineProfile.Network(0, 0, 0));
    /** What differs between two answers of the same engine by nature: its request counter and the second. */
    private static final Pattern PER_ANSWER = Pattern.compile("\"id\":\"sim-\\d+\"|\"created\":\\d+");

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static EngineSimServer engine;
    private static WireDispatcher dispatcher;
    private static RecordingEngine recording;
    private static WireDispatcher recordingDispatcher;

    @BeforeAll
    static void start() {
        engine = new EngineSimServer("sim-0", PROFILE, 0, 1, null, null);
        dispatcher = WireDispatcher.start("sbs.instances[0].id=sim-0",
                "sbs.instances[0].url=http://127.0.0.1:" + engine.port(), "sbs.instances[0].kind=sglang",
                "sbs.instances[0].dp-units=4", "sbs.instances[0].chunk-tokens=1000");
        recording = RecordingEngine.sglang("recording", 1);
        recordingDispatcher = WireDispatcher.start(List.of(recording), 4096, "sbs.policy=round-robin");
    }

    @AfterAll
    static void stop() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        if (recordingDispatcher != null) {
            recordingDispatcher.close();
        }
        engine.close();
        recording.close();
    }

    @AfterEach
    void heal() {
        recording.failAnswers(0);
        recording.cutStreams(false);
    }

    private static String chat(String extra) {
        return "{\"model\":\"sbs\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"byte for byte\"}]"
                + extra + "}";
    }

    private static HttpResponse<String> post(String baseUrl, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(String baseUrl, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String engineUrl() {
        return "http://127.0.0.1:" + engine.port();
    }

    private static String perAnswerMasked(String text) {
        return PER_ANSWER.matcher(text).replaceAll("<per-answer>");
    }

    @Test
    void stream_isTheEnginesBytes_whetherStraightOrThroughTheDispatcher() throws Exception {
        String body = chat(",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        HttpResponse<String> straight = post(engineUrl(), "/v1/chat/completions", body);
        HttpResponse<String> relayed = post(dispatcher.baseUrl(), "/v1/chat/completions", body);
        assertThat(relayed.statusCode()).isEqualTo(200);
        assertThat(relayed.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(relayed.body()).startsWith("data: {").endsWith("\n\ndata: [DONE]\n\n");
        assertThat(perAnswerMasked(relayed.body())).isEqualTo(perAnswerMasked(straight.body()));
    }

    @Test
    void completionsStream_andWholeAnswers_areTheEnginesBytesToo() throws Exception {
        String text = "{\"model\":\"sbs\",\"prompt\":\"once\",\"max_tokens\":3,\"stream\":true}";
        assertThat(perAnswerMasked(post(dispatcher.baseUrl(), "/v1/completions", text).body()))
                .isEqualTo(perAnswerMasked(post(engineUrl(), "/v1/completions", text).body()));
        String whole = chat("");
        HttpResponse<String> relayed = post(dispatcher.baseUrl(), "/v1/chat/completions", whole);
        assertThat(relayed.statusCode()).isEqualTo(200);
        assertThat(perAnswerMasked(relayed.body())).isEqualTo(perAnswerMasked(post(engineUrl(),
                "/v1/chat/completions", whole).body()));
    }

    /** The reader many scripts use: lines that start with "data: ", six characters cut, until [DONE]. */
    @Test
    void naiveLineReader_readsEveryChunkAndTheEnd() throws Exception {
        HttpResponse<java.io.InputStream> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create(dispatcher.baseUrl() + "/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chat(",\"stream\":true"))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        List<String> contents = new ArrayList<>();
        boolean done = false;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                contents.add(JSON.readTree(data).path("choices").get(0).path("delta").path("content").asString());
            }
        }
        assertThat(done).isTrue();
        assertThat(contents).containsExactly("tok0 ", "tok1 ", "tok2 ", "tok3 ");
    }

    @Test
    void includeUsage_endsWithAUsageChunkWithoutChoices() throws Exception {
        String stream = post(dispatcher.baseUrl(), "/v1/chat/completions",
                chat(",\"stream\":true,\"stream_options\":{\"include_usage\":true}")).body();
        String[] events = stream.split("\n\n");
        JsonNode usage = JSON.readTree(events[events.length - 2].substring("data: ".length()));
        assertThat(usage.path("choices").isEmpty()).isTrue();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
        String without = post(dispatcher.baseUrl(), "/v1/chat/completions", chat(",\"stream\":true")).body();
        assertThat(without).doesNotContain("\"usage\"");
    }

    @Test
    void models_areListedAsOpenAiListsThem() throws Exception {
        JsonNode list = JSON.readTree(get(dispatcher.baseUrl(), "/v1/models").body());
        assertThat(list.path("object").asString()).isEqualTo("list");
        JsonNode model = list.path("data").get(0);
        assertThat(model.path("id").asString()).isEqualTo("sbs");
        assertThat(model.path("object").asString()).isEqualTo("model");
        assertThat(model.path("created").isIntegralNumber()).isTrue();
        assertThat(model.path("owned_by").asString()).isEqualTo("sbs");
    }

    private static JsonNode openAiError(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/json"));
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.properties().stream().map(java.util.Map.Entry::getKey).toList())
                .containsExactly("message", "type", "param", "code");
        return error;
    }

    @Test
    void badRequest_isAnOpenAiErrorNamingTheParam() throws Exception {
        String messages = "{\"model\":\"sbs\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        JsonNode error = openAiError(post(dispatcher.baseUrl(), "/v1/chat/completions", messages + ",\"max_tokens\":-1}"), 400);
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asString()).isEqualTo("max_tokens");
        assertThat(error.path("message").asString()).contains("'max_tokens' must be an integer");
        JsonNode tooLong = openAiError(post(dispatcher.baseUrl(), "/v1/chat/completions", messages + ",\"max_tokens\":200000}"),
                400);
        assertThat(tooLong.path("code").asString()).isEqualTo("context_length_exceeded");
        assertThat(openAiError(post(dispatcher.baseUrl(), "/v1/completions", "{not json"), 400)
                .path("param").isNull()).isTrue();
    }

    @Test
    void unknownPathAndWrongMethod_are404OpenAiErrors() throws Exception {
        JsonNode error = openAiError(get(dispatcher.baseUrl(), "/v1/nope"), 404);
        assertThat(error.path("message").asString()).isEqualTo("Invalid URL (GET /v1/nope)");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(openAiError(get(dispatcher.baseUrl(), "/v1/chat/completions"), 404).path("message").asString())
                .isEqualTo("Invalid URL (GET /v1/chat/completions)");
    }

    @Test
    void engineFailsBeforeTheFirstByte_streamAnswers502WithAnOpenAiError() throws Exception {
        recording.failAnswers(500);
        JsonNode error = openAiError(post(recordingDispatcher.baseUrl(), "/v1/chat/completions", chat(",\"stream\":true")),
                502);
        assertThat(error.path("type").asString()).isEqualTo("server_error");
        assertThat(error.path("code").asString()).isEqualTo("engine_error");
        assertThat(error.path("message").asString()).contains("recording fails");
    }

    @Test
    void engineDiesMidStream_theStreamEndsWithAnErrorEventAndDone_withoutTheHalfEvent() throws Exception {
        recording.cutStreams(true);
        HttpResponse<String> response = post(recordingDispatcher.baseUrl(), "/v1/chat/completions", chat(",\"stream\":true"));
        assertThat(response.statusCode()).isEqualTo(200);
        String[] events = response.body().split("\n\n", -1);
        assertThat(events).hasSize(4);
        assertThat(JSON.readTree(events[0].substring(6)).path("choices").get(0).path("delta").path("content").asString())
                .isEqualTo("hello");
        assertThat(events[1]).startsWith("data: {\"error\":{");
        JsonNode error = JSON.readTree(events[1].substring(6)).path("error");
        assertThat(error.path("type").asString()).isEqualTo("server_error");
        assertThat(events[2]).isEqualTo("data: [DONE]");
        assertThat(events[3]).isEmpty();
        assertThat(response.body()).doesNotContain("cut");
    }
}
