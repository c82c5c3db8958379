package io.sbs.enginesim;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.sbs.engine.PrefixBlocks;
import io.sbs.engine.PromptTokens;
import io.sbs.sim.EngineProfile;
import java.time.Duration;
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
 * With a profile whose units cache prefixes ({@code cacheBlocksPerUnit > 0}), each DP unit keeps an LRU of
 * prompt block hashes ({@link PrefixBlocks}, the dispatcher's ingress's own, so both see the same blocks):
 * the cached leading blocks of a prompt are not computed again, the answer's
 * {@code usage.prompt_tokens_details.cached_tokens} says how many tokens that saved, and {@code /get_load}
 * reports per rank {@code cache_hit_rate} with {@code prompt_tokens_total} and {@code cached_tokens_total}.
 * Also {@code GET /get_load}, {@code GET /health} and {@code POST /faults} ({@code slowdown},
 * {@code silent}, {@code refuse}). Errors are RFC 9457 problem details.
 */
public final class EngineSimServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EngineSimServer.class);
    private static final JsonMapper JSON = OpenAiAnswers.JSON;
    private static final PromptTokens PROMPT_TOKENS = OpenAiAnswers.PROMPT_TOKENS;
    private static final HttpClient PUSH_CLIENT = HttpClient.create().runOn(OpenAiAnswers.LOOPS);
    // A simulated engine has no model weights, hence no tokenizer: token ids or the estimate are enough.

    private final RealTimePrefillEngine engine;
    private final Duration decodeStep;
    /** Tokens per prefix block of the profile's cache; 0 when its units cache nothing. */
    private final int cacheBlockTokens;
    private final DisposableServer server;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong prefilled = new AtomicLong();
    private final BootstrapRooms bootstrap = new BootstrapRooms(Duration.ofSeconds(60));
    private volatile boolean refuse;

    /**
     * @param endForwardUrl where EndForward is pushed after every pass; null for none. Several URLs, comma
     *                      separated (the dispatcher's replicas: any replica relays a push to the leader): each
     *                      push starts at the next URL in turn, as a Service spreads connections, and goes on
     *                      to the following ones until one answers
     * @param engineToken   bearer token sent with the pushes; never logged
     */
    public EngineSimServer(String instanceId, EngineProfile profile, int port, long seed, @Nullable String endForwardUrl,
            @Nullable String engineToken) {
        this(instanceId, profile, port, seed, endForwardUrl == null ? report -> { }
                : pusher(endForwardUrl.split(","), engineToken));
    }

    /** An engine whose EndForward reports go to {@code endForward} in process (the embedded default). */
    public EngineSimServer(String instanceId, EngineProfile profile, int port, long seed,
            java.util.function.Consumer<RealTimePrefillEngine.PassReport> endForward) {
        this.engine = new RealTimePrefillEngine(instanceId, profile.prefill(), seed, endForward);
        this.cacheBlockTokens = profile.prefill().cacheBlocksPerUnit() > 0 ? profile.prefill().cacheBlockTokens() : 0;
        this.decodeStep = Duration.ofNanos(Math.max(1, Math.round(profile.decode().t0Ms() * 1_000_000)));
        this.server = HttpServer.create().runOn(OpenAiAnswers.LOOPS).port(port).route(routes -> routes
                .post("/v1/chat/completions", (req, res) -> generate(req, res, OpenAiAnswers.Api.CHAT))
                .post("/v1/completions", (req, res) -> generate(req, res, OpenAiAnswers.Api.COMPLETION))
                .post("/generate", (req, res) -> generate(req, res, OpenAiAnswers.Api.NATIVE))
                .get("/get_load", this::load)
                .get("/bootstrap/{room}", this::bootstrap)
                .get("/health", (req, res) -> refuse ? problem(res, HttpResponseStatus.SERVICE_UNAVAILABLE, "refusing")
                        : res.status(200).send())
                .post("/faults", this::faults)
                .get("/stats", this::stats))
                .bindNow();
        log.info("engine simulator {} listening on port {} with {} DP units", instanceId, server.port(), engine.dpUnits());
    }

    public int port() {
        return server.port();
    }

    public RealTimePrefillEngine engine() {
        return engine;
    }

    private Publisher<Void> generate(HttpServerRequest req, HttpServerResponse res, OpenAiAnswers.Api api) {
        String header = req.requestHeaders().get("X-Data-Parallel-Rank");
        return req.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
            if (refuse) {
                return problem(res, HttpResponseStatus.SERVICE_UNAVAILABLE, "engine refuses requests");
            }
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (JacksonException e) {
                return problem(res, HttpResponseStatus.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
            }
            if (json == null || !json.isObject()) {
                return problem(res, HttpResponseStatus.BAD_REQUEST, "the body must be a JSON object");
            }
            int rank;
            try {
                rank = OpenAiAnswers.rank(json, header);
            } catch (IllegalArgumentException e) {
                return problem(res, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            }
            long id = ids.incrementAndGet();
            if (rank >= engine.dpUnits()) {
                return problem(res, HttpResponseStatus.BAD_REQUEST,
                        "data_parallel_rank " + rank + " is out of range 0.." + (engine.dpUnits() - 1));
            }
            int pinned = rank >= 0 ? rank : (int) (id % engine.dpUnits());
            int prompt = PROMPT_TOKENS.count(json);
            // the dispatcher's ingress hashes the same body the same way: both see the same blocks
            long[] blocks = cacheBlockTokens > 0 ? PrefixBlocks.of(json, cacheBlockTokens).hashes() : new long[0];
            int output = OpenAiAnswers.outputTokens(json, api);
            boolean stream = json.path("stream").asBoolean(false);
            JsonNode room = json.get("bootstrap_room");
            return Mono.fromFuture(() -> engine.submit(id, prompt, blocks, pinned))
                    .doOnCancel(() -> engine.cancel(id))
                    .doOnSuccess(done -> {
                        prefilled.incrementAndGet();
                        if (room != null && room.isIntegralNumber()) {
                            bootstrap.prefilled(room.asLong());
                        }
                    })
                    .flatMap(cached -> stream
                            ? OpenAiAnswers.stream(res, OpenAiAnswers.events(api, id, json, prompt, cached, output, decodeStep))
                            : OpenAiAnswers.json(res, OpenAiAnswers.whole(api, id, prompt, cached, output)));
        });
    }

    /** {@code GET /bootstrap/{room}}: answers once the room's prompt is prefilled (a decode server's KV fetch). */
    private Publisher<Void> bootstrap(HttpServerRequest req, HttpServerResponse res) {
        long room;
        try {
            room = Long.parseLong(req.param("room"));
        } catch (NumberFormatException e) {
            return problem(res, HttpResponseStatus.BAD_REQUEST, "bootstrap room must be an integer");
        }
        return bootstrap.awaitPrefilled(room)
                .then(Mono.defer(() -> OpenAiAnswers.json(res, "{\"bootstrap_room\":" + room + ",\"ready\":true}")))
                .onErrorResume(java.util.concurrent.TimeoutException.class, e -> problem(res,
                        HttpResponseStatus.GATEWAY_TIMEOUT, "bootstrap room " + room + " was not prefilled in time"));
    }

    private Publisher<Void> load(HttpServerRequest req, HttpServerResponse res) {
        return Mono.fromFuture(engine::load).flatMap(ranks -> {
            ArrayNode arr = JSON.createArrayNode();
            for (RealTimePrefillEngine.RankSnapshot r : ranks) {
                arr.addObject().put("dp_rank", r.dpRank()).put("num_reqs", r.numReqs())
                        .put("num_waiting_reqs", r.numWaitingReqs()).put("num_tokens", r.numTokens())
                        .put("num_pending_tokens", r.numTokens())
                        // SGLang's name for its prefix-cache hit rate; the two counts behind it are this simulator's
                        .put("cache_hit_rate", r.cacheHitRate())
                        .put("prompt_tokens_total", r.promptTokens()).put("cached_tokens_total", r.cachedTokens());
            }
            return OpenAiAnswers.json(res, arr.toString());
        });
    }

    /**
     * {@code GET /stats}: requests received and requests whose prompt this engine prefilled, since it
     * started; how a drill counts what one instance served.
     */
    private Publisher<Void> stats(HttpServerRequest req, HttpServerResponse res) {
        return OpenAiAnswers.json(res, JSON.createObjectNode().put("requests", ids.get())
                .put("prefilled", prefilled.get()).toString());
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
                return problem(res, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            }
        });
    }

    private static Mono<Void> problem(HttpServerResponse res, HttpResponseStatus status, @Nullable String detail) {
        return OpenAiAnswers.problem(res, status, detail);
    }

    private static java.util.function.Consumer<RealTimePrefillEngine.PassReport> pusher(String[] urls,
            @Nullable String token) {
        // each push starts at the next replica, as a Service spreads connections over them, so every
        // replica relays some; one that does not answer costs that push one failed attempt
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        return report -> push(PUSH_CLIENT, urls, next, token, report);
    }

    private static void push(HttpClient client, String[] urls, java.util.concurrent.atomic.AtomicInteger next,
            @Nullable String token, RealTimePrefillEngine.PassReport r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("instance_id", r.instanceId());
        o.put("duration_ms", r.durationNanos() / 1e6);
        putArray(o, "pass_tokens", r.passTokens());
        putArray(o, "received_tokens", r.receivedTokens());
        putArray(o, "next_pass_tokens", r.nextPassTokens());
        putArray(o, "backlog_tokens", r.backlogTokens());
        String body = o.toString();
        int first = Math.floorMod(next.getAndIncrement(), urls.length);
        Flux.range(0, urls.length)
                .concatMap(i -> {
                    int at = (first + i) % urls.length;
                    String url = urls[at].trim();
                    return client.headers(h -> {
                                h.set("content-type", "application/json");
                                if (token != null) {
                                    h.set("authorization", "Bearer " + token);
                                }
                            }).post().uri(url).send(reactor.netty.ByteBufFlux.fromString(Mono.just(body)))
                            .responseSingle((resp, bytes) -> Mono.just(resp.status().code()))
                            .timeout(Duration.ofSeconds(2))
                            .doOnNext(code -> {
                                if (code >= 300) {
                                    log.warn("EndForward push to {} answered {}", url, code);
                                }
                            })
                            .onErrorResume(e -> {
                                log.warn("EndForward push to {} failed: {}", url, e.toString());
                                return Mono.empty();
                            });
                }, 1)
                .next()
                .subscribe();
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
