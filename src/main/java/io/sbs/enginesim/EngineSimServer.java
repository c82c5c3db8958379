package io.sbs.enginesim;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.sbs.sim.EngineProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * HTTP face of a {@link RealTimePrefillEngine}, speaking SGLang's dialect.
 *
 * <p>Requests: {@code POST /v1/chat/completions}, {@code /v1/completions} (OpenAI format, {@code stream}
 * true or false) and {@code /generate} (SGLang native). The DP rank comes from the body field
 * {@code data_parallel_rank} or the header {@code X-Data-Parallel-Rank}; without either the engine
 * spreads requests over its ranks round robin, as SGLang's own DP controller does by default. Prompt length: the length of
 * {@code input_ids} when given, else a documented estimate of one token per four characters of text.
 * After prefill the answer streams one token per decode step ({@code decode.t0Ms} of the profile).
 * Also {@code GET /get_load}, {@code GET /health} and {@code POST /faults} ({@code slowdown},
 * {@code silent}, {@code refuse}). Errors are RFC 9457 problem details.
 */
public final class EngineSimServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EngineSimServer.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    // A simulated engine has no model weights, hence no tokenizer: token ids or the estimate are enough.
    private static final io.sbs.engine.PromptTokens PROMPT_TOKENS = io.sbs.engine.PromptTokens.estimateOnly();

    private final RealTimePrefillEngine engine;
    private final Duration decodeStep;
    private final DisposableServer server;
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean refuse;

    /**
     * @param endForwardUrl where EndForward is pushed after every pass; null for none
     * @param engineToken   bearer token sent with the pushes; never logged
     */
    public EngineSimServer(String instanceId, EngineProfile profile, int port, long seed, @Nullable String endForwardUrl,
            @Nullable String engineToken) {
        this(instanceId, profile, port, seed, endForwardUrl == null ? report -> { }
                : report -> push(HttpClient.create(), endForwardUrl, engineToken, report));
    }

    /** An engine whose EndForward reports go to {@code endForward} in process (the embedded default). */
    public EngineSimServer(String instanceId, EngineProfile profile, int port, long seed,
            java.util.function.Consumer<RealTimePrefillEngine.PassReport> endForward) {
        this.engine = new RealTimePrefillEngine(instanceId, profile.prefill(), seed, endForward);
        this.decodeStep = Duration.ofNanos(Math.max(1, Math.round(profile.decode().t0Ms() * 1_000_000)));
        this.server = HttpServer.create().port(port).route(routes -> routes
                .post("/v1/chat/completions", (req, res) -> generate(req, res, Api.CHAT))
                .post("/v1/completions", (req, res) -> generate(req, res, Api.COMPLETION))
                .post("/generate", (req, res) -> generate(req, res, Api.NATIVE))
                .get("/get_load", this::load)
                .get("/health", (req, res) -> refuse ? problem(res, HttpResponseStatus.SERVICE_UNAVAILABLE, "refusing")
                        : res.status(200).send())
                .post("/faults", this::faults))
                .bindNow();
        log.info("engine simulator {} listening on port {} with {} DP units", instanceId, server.port(), engine.dpUnits());
    }

    public int port() {
        return server.port();
    }

    public RealTimePrefillEngine engine() {
        return engine;
    }

    private enum Api { CHAT, COMPLETION, NATIVE }

    private Publisher<Void> generate(HttpServerRequest req, HttpServerResponse res, Api api) {
        String header = req.requestHeaders().get("X-Data-Parallel-Rank");
        return req.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
            if (refuse) {
                return Mono.from(problem(res, HttpResponseStatus.SERVICE_UNAVAILABLE, "engine refuses requests"));
            }
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (JacksonException e) {
                return Mono.from(problem(res, HttpResponseStatus.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage()));
            }
            if (json == null || !json.isObject()) {
                return Mono.from(problem(res, HttpResponseStatus.BAD_REQUEST, "the body must be a JSON object"));
            }
            int rank;
            try {
                rank = rank(json, header);
            } catch (IllegalArgumentException e) {
                return Mono.from(problem(res, HttpResponseStatus.BAD_REQUEST, e.getMessage()));
            }
            long id = ids.incrementAndGet();
            if (rank >= engine.dpUnits()) {
                return Mono.from(problem(res, HttpResponseStatus.BAD_REQUEST,
                        "data_parallel_rank " + rank + " is out of range 0.." + (engine.dpUnits() - 1)));
            }
            int pinned = rank >= 0 ? rank : (int) (id % engine.dpUnits());
            int prompt = PROMPT_TOKENS.count(json);
            int output = outputTokens(json, api);
            boolean stream = json.path("stream").asBoolean(false);
            return Mono.fromFuture(() -> engine.submit(id, prompt, pinned))
                    .doOnCancel(() -> engine.cancel(id))
                    .then(Mono.defer(() -> stream ? streamAnswer(res, api, id, prompt, output)
                            : Mono.from(res.status(200).header("content-type", "application/json")
                                    .sendString(Mono.just(whole(api, id, prompt, output))))));
        });
    }

    private Mono<Void> streamAnswer(HttpServerResponse res, Api api, long id, int prompt, int output) {
        Flux<String> tokens = Flux.range(0, output)
                .concatMap(i -> i == 0 ? Mono.just(i) : Mono.delay(decodeStep).thenReturn(i))
                .map(i -> "data: " + chunk(api, id, i, i == output - 1) + "\n\n")
                .concatWith(Mono.just("data: [DONE]\n\n"));
        return Mono.from(res.status(200).header("content-type", "text/event-stream").header("cache-control", "no-cache")
                .sendString(tokens));
    }

    private static int rank(JsonNode json, @Nullable String header) {
        JsonNode field = json.has("data_parallel_rank") ? json.get("data_parallel_rank") : json.get("routed_dp_rank");
        if (field != null && !field.isNull()) {
            if (!field.isIntegralNumber() || field.asInt() < 0) {
                throw new IllegalArgumentException("data_parallel_rank must be a non-negative integer");
            }
            return field.asInt();
        }
        if (header != null) {
            try {
                return Integer.parseInt(header.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("X-Data-Parallel-Rank must be an integer", e);
            }
        }
        return -1;
    }

    private static int outputTokens(JsonNode json, Api api) {
        int n = api == Api.NATIVE ? json.path("sampling_params").path("max_new_tokens").asInt(16)
                : json.path("max_tokens").asInt(json.path("max_completion_tokens").asInt(16));
        return Math.max(1, Math.min(n, 4096));
    }

    private String chunk(Api api, long id, int index, boolean last) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "sim-" + id);
        o.put("created", Instant.now().getEpochSecond());
        o.put("model", "sbs-engine-sim");
        o.put("object", api == Api.CHAT ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        if (api == Api.CHAT) {
            choice.putObject("delta").put("content", "tok" + index + " ");
        } else {
            choice.put("text", "tok" + index + " ");
        }
        if (last) {
            choice.put("finish_reason", "length");
        } else {
            choice.putNull("finish_reason");
        }
        return o.toString();
    }

    private String whole(Api api, long id, int prompt, int output) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < output; i++) {
            text.append("tok").append(i).append(' ');
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "sim-" + id);
        o.put("created", Instant.now().getEpochSecond());
        o.put("model", "sbs-engine-sim");
        if (api == Api.NATIVE) {
            o.put("text", text.toString());
        } else {
            o.put("object", api == Api.CHAT ? "chat.completion" : "text_completion");
            ObjectNode choice = o.putArray("choices").addObject();
            choice.put("index", 0);
            if (api == Api.CHAT) {
                choice.putObject("message").put("role", "assistant").put("content", text.toString());
            } else {
                choice.put("text", text.toString());
            }
            choice.put("finish_reason", "length");
        }
        ObjectNode usage = o.putObject("usage");
        usage.put("prompt_tokens", prompt).put("completion_tokens", output).put("total_tokens", prompt + output);
        return o.toString();
    }

    private Publisher<Void> load(HttpServerRequest req, HttpServerResponse res) {
        return Mono.fromFuture(engine::load).flatMap(ranks -> {
            ArrayNode arr = JSON.createArrayNode();
            for (RealTimePrefillEngine.RankSnapshot r : ranks) {
                arr.addObject().put("dp_rank", r.dpRank()).put("num_reqs", r.numReqs())
                        .put("num_waiting_reqs", r.numWaitingReqs()).put("num_tokens", r.numTokens());
            }
            return Mono.from(res.status(200).header("content-type", "application/json").sendString(Mono.just(arr.toString())));
        });
    }

    private Publisher<Void> faults(HttpServerRequest req, HttpServerResponse res) {
        return req.receive().aggregate().asString().defaultIfEmpty("{}").flatMap(body -> {
            try {
                JsonNode f = JSON.readTree(body);
                if (f.has("slowdown")) {
                    engine.slowdown(f.get("slowdown").asDouble());
                }
                if (f.has("silent")) {
                    engine.silent(f.get("silent").asBoolean());
                }
                if (f.has("refuse")) {
                    refuse = f.get("refuse").asBoolean();
                }
                return Mono.from(res.status(204).send());
            } catch (JacksonException | IllegalArgumentException e) {
                return Mono.from(problem(res, HttpResponseStatus.BAD_REQUEST, e.getMessage()));
            }
        });
    }

    private static Publisher<Void> problem(HttpServerResponse res, HttpResponseStatus status, @Nullable String detail) {
        ObjectNode p = JSON.createObjectNode();
        p.put("type", "about:blank");
        p.put("title", status.reasonPhrase());
        p.put("status", status.code());
        p.put("detail", detail == null ? status.reasonPhrase() : detail);
        return res.status(status).header("content-type", "application/problem+json").sendString(Mono.just(p.toString()));
    }

    private static void push(HttpClient client, String url, @Nullable String token, RealTimePrefillEngine.PassReport r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("instance_id", r.instanceId());
        o.put("duration_ms", r.durationNanos() / 1e6);
        putArray(o, "pass_tokens", r.passTokens());
        putArray(o, "received_tokens", r.receivedTokens());
        putArray(o, "next_pass_tokens", r.nextPassTokens());
        putArray(o, "backlog_tokens", r.backlogTokens());
        client.headers(h -> {
            h.set("content-type", "application/json");
            if (token != null) {
                h.set("authorization", "Bearer " + token);
            }
        }).post().uri(url).send(reactor.netty.ByteBufFlux.fromString(Mono.just(o.toString())))
                .responseSingle((resp, bytes) -> Mono.just(resp.status().code()))
                .timeout(Duration.ofSeconds(2))
                .subscribe(code -> {
                    if (code >= 300) {
                        log.warn("EndForward push to {} answered {}", url, code);
                    }
                }, e -> log.warn("EndForward push to {} failed: {}", url, e.toString()));
    }

    private static void putArray(ObjectNode o, String name, long[] values) {
        ArrayNode a = o.putArray(name);
        for (long v : values) {
            a.add(v);
        }
    }

    @Override
    public void close() {
        server.disposeNow();
        engine.close();
    }
}
