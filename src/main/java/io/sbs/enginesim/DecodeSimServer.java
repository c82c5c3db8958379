package io.sbs.enginesim;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.sbs.sim.EngineProfile;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * A simulated SGLang decode server of a P/D pair. A request must carry {@code bootstrap_host},
 * {@code bootstrap_port} and {@code bootstrap_room}: the server fetches the room from the prefill server
 * ({@code GET /bootstrap/{room}}, which answers once the prompt is prefilled, standing in for the KV
 * transfer; a room the prefill server refuses, or a prefill server that goes away meanwhile, fails the
 * request with 502), then streams one token per decode step ({@code decode.t0Ms} of the profile). Requests are
 * pinned to a DP rank like the prefill server's; {@code GET /get_load} reports per rank the running
 * requests and their KV tokens (prompt plus output). Also {@code GET /health} and {@code POST /faults}
 * ({@code refuse}).
 */
public final class DecodeSimServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DecodeSimServer.class);

    private final int dpUnits;
    private final Duration decodeStep;
    private final DisposableServer server;
    // one KV fetch per running request: the default pool of 16 per host would serialize them
    private final HttpClient bootstrapClient = HttpClient.create(ConnectionProvider.builder("decode-sim-bootstrap")
            .maxConnections(4_096).pendingAcquireMaxCount(-1).build()).runOn(OpenAiAnswers.LOOPS);
    private final AtomicLong ids = new AtomicLong();
    private final AtomicIntegerArray running;
    private final AtomicLongArray kvTokens;
    private final AtomicInteger spread = new AtomicInteger();
    private volatile boolean refuse;

    public DecodeSimServer(String instanceId, EngineProfile profile, int port) {
        this.dpUnits = profile.decode().dpUnits();
        this.decodeStep = Duration.ofNanos(Math.max(1, Math.round(profile.decode().t0Ms() * 1_000_000)));
        this.running = new AtomicIntegerArray(dpUnits);
        this.kvTokens = new AtomicLongArray(dpUnits);
        this.server = HttpServer.create().runOn(OpenAiAnswers.LOOPS).port(port).route(routes -> routes
                .post("/v1/chat/completions", (req, res) -> generate(req, res, OpenAiAnswers.Api.CHAT))
                .post("/v1/completions", (req, res) -> generate(req, res, OpenAiAnswers.Api.COMPLETION))
                .post("/generate", (req, res) -> generate(req, res, OpenAiAnswers.Api.NATIVE))
                .get("/get_load", this::load)
                .get("/health", (req, res) -> refuse
                        ? OpenAiAnswers.problem(res, HttpResponseStatus.SERVICE_UNAVAILABLE, "refusing")
                        : res.status(200).send())
                .post("/faults", this::faults))
                .bindNow();
        log.info("decode simulator {} listening on port {} with {} DP units", instanceId, server.port(), dpUnits);
    }

    public int port() {
        return server.port();
    }

    private Publisher<Void> generate(HttpServerRequest req, HttpServerResponse res, OpenAiAnswers.Api api) {
        String header = req.requestHeaders().get("X-Data-Parallel-Rank");
        return req.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
            if (refuse) {
                return OpenAiAnswers.problem(res, HttpResponseStatus.SERVICE_UNAVAILABLE, "engine refuses requests");
            }
            JsonNode json;
            int rank;
            try {
                json = OpenAiAnswers.JSON.readTree(body);
                rank = json != null && json.isObject() ? OpenAiAnswers.rank(json, header) : -1;
            } catch (JacksonException e) {
                return OpenAiAnswers.problem(res, HttpResponseStatus.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
            } catch (IllegalArgumentException e) {
                return OpenAiAnswers.problem(res, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            }
            if (json == null || !json.isObject()) {
                return OpenAiAnswers.problem(res, HttpResponseStatus.BAD_REQUEST, "the body must be a JSON object");
            }
            if (rank >= dpUnits) {
                return OpenAiAnswers.problem(res, HttpResponseStatus.BAD_REQUEST,
                        "data_parallel_rank " + rank + " is out of range 0.." + (dpUnits - 1));
            }
            String host = json.path("bootstrap_host").asString("");
            int bootstrapPort = json.path("bootstrap_port").asInt(0);
            JsonNode room = json.get("bootstrap_room");
            if (host.isEmpty() || bootstrapPort <= 0 || room == null || !room.isIntegralNumber()) {
                return OpenAiAnswers.problem(res, HttpResponseStatus.BAD_REQUEST,
                        "a decode server needs bootstrap_host, bootstrap_port and bootstrap_room");
            }
            long id = ids.incrementAndGet();
            int pinned = rank >= 0 ? rank : Math.floorMod(spread.getAndIncrement(), dpUnits);
            int prompt = OpenAiAnswers.PROMPT_TOKENS.count(json);
            int output = OpenAiAnswers.outputTokens(json, api);
            boolean stream = json.path("stream").asBoolean(false);
            Mono<Void> kvTransfer = bootstrapClient.get()
                    .uri("http://" + host + ":" + bootstrapPort + "/bootstrap/" + room.asLong())
                    .responseSingle((r, bytes) -> r.status().code() == 200 ? Mono.<Void>empty()
                            : Mono.error(new IllegalStateException("bootstrap answered " + r.status().code())))
                    // a prefill server that goes away mid-transfer (it stops, or crashes) fails the transfer as
                    // SGLang's does: the request gets a 502, rather than no answer and Reactor Netty's ERROR line
                    .onErrorMap(e -> !(e instanceof IllegalStateException),
                            e -> new IllegalStateException("bootstrap unreachable: " + e, e));
            return kvTransfer
                    .then(Mono.defer(() -> {
                        running.incrementAndGet(pinned);
                        kvTokens.addAndGet(pinned, prompt + output);
                        Mono<Void> answer = stream
                                ? OpenAiAnswers.stream(res, OpenAiAnswers.events(api, id, json, prompt, output, decodeStep))
                                : Mono.delay(decodeStep.multipliedBy(output - 1L)).then(
                                        OpenAiAnswers.json(res, OpenAiAnswers.whole(api, id, prompt, output)));
                        return answer.doFinally(s -> {
                            running.decrementAndGet(pinned);
                            kvTokens.addAndGet(pinned, -(prompt + output));
                        });
                    }))
                    .onErrorResume(IllegalStateException.class, e -> OpenAiAnswers.problem(res,
                            HttpResponseStatus.BAD_GATEWAY, "KV transfer failed: " + e.getMessage()));
        });
    }

    private Publisher<Void> load(HttpServerRequest req, HttpServerResponse res) {
        ArrayNode arr = OpenAiAnswers.JSON.createArrayNode();
        for (int d = 0; d < dpUnits; d++) {
            arr.addObject().put("dp_rank", d).put("num_reqs", running.get(d)).put("num_waiting_reqs", 0)
                    .put("num_tokens", kvTokens.get(d));
        }
        return OpenAiAnswers.json(res, arr.toString());
    }

    private Publisher<Void> faults(HttpServerRequest req, HttpServerResponse res) {
        return req.receive().aggregate().asString().defaultIfEmpty("{}").flatMap(body -> {
            try {
                JsonNode f = OpenAiAnswers.JSON.readTree(body);
                if (f.has("refuse")) {
                    refuse = f.get("refuse").asBoolean();
                }
                return Mono.from(res.status(204).send());
            } catch (JacksonException e) {
                return OpenAiAnswers.problem(res, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        server.disposeNow();
        bootstrapClient.configuration().connectionProvider().dispose();
    }
}
