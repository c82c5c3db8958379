package io.sbs.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stand-in inference engine on a free port that speaks the SGLang or the vLLM dialect over real HTTP
 * and records what the dispatcher sends it: every completion request (path, headers, body), every load
 * poll, and every request whose connection went away before its answer was sent.
 *
 * <p>It answers {@code /v1/chat/completions} and {@code /v1/completions}, streaming (server-sent events
 * ending in {@code data: [DONE]}) or as one JSON body; SGLang's {@code GET /get_load} as a JSON array of
 * per-rank loads, vLLM's {@code GET /metrics} as Prometheus text with {@code engine="<rank>"} labels. The
 * load it reports is honest: a rank runs the requests it holds. A test can make it hold answers until
 * released, fail answers, break streams off, fail or ignore polls, or claim to be busy while holding nothing.
 */
final class RecordingEngine implements AutoCloseable {

    private static final LoopResources LOOPS = LoopResources.create("recording-engine", 1, true);

    enum Dialect { SGLANG, VLLM }

    /** How load polls are treated. */
    enum Polls {
        ANSWER,
        /** 503, as an engine that is up but not serving. */
        FAIL,
        /** Never answered: the engine is wedged. */
        IGNORE
    }

    /** One completion request as the engine received it. */
    record Received(String path, io.netty.handler.codec.http.HttpHeaders headers, JsonNode body) {

        String header(String name) {
            return headers.get(name);
        }

        String requestId() {
            return header("X-Request-Id");
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String name;
    private final Dialect dialect;
    private final AtomicInteger[] running;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> polls = new CopyOnWriteArrayList<>();
    private final List<Received> abandoned = new CopyOnWriteArrayList<>();
    private final AtomicReference<Sinks.Empty<Void>> gate = new AtomicReference<>(opened());
    private volatile Polls pollMode = Polls.ANSWER;
    private volatile int failStatus;
    private volatile boolean busy;
    private volatile int backlogRequests;
    private volatile long backlogTokens = -1;
    private volatile boolean cutStreams;
    private final DisposableServer server;

    private RecordingEngine(String name, Dialect dialect, int dpUnits) {
        this.name = name;
        this.dialect = dialect;
        this.running = IntStream.range(0, dpUnits).mapToObj(i -> new AtomicInteger()).toArray(AtomicInteger[]::new);
        // own event loops: an application closing in this JVM disposes Reactor Netty's global ones
        this.server = HttpServer.create().runOn(LOOPS).host("127.0.0.1").port(0).route(r -> r
                .post("/v1/chat/completions", (req, res) -> complete(req, res, true))
                .post("/v1/completions", (req, res) -> complete(req, res, false))
                .get(dialect == Dialect.SGLANG ? "/get_load" : "/metrics", this::poll))
                .bindNow(Duration.ofSeconds(10));
    }

    static RecordingEngine sglang(String name, int dpUnits) {
        return new RecordingEngine(name, Dialect.SGLANG, dpUnits);
    }

    static RecordingEngine vllm(String name, int dpUnits) {
        return new RecordingEngine(name, Dialect.VLLM, dpUnits);
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    String kind() {
        return dialect == Dialect.SGLANG ? "sglang" : "vllm";
    }

    int dpUnits() {
        return running.length;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Paths of the load polls received, in order. */
    List<String> polls() {
        return List.copyOf(polls);
    }

    /** Requests whose connection closed before their answer was complete. */
    List<Received> abandoned() {
        return List.copyOf(abandoned);
    }

    /** Requests received and not yet answered (or abandoned). */
    int held() {
        int n = 0;
        for (AtomicInteger r : running) {
            n += r.get();
        }
        return n;
    }

    /** Answers from now on wait until {@link #release}. */
    void hold() {
        gate.set(Sinks.empty());
    }

    /** Sends every held answer, and answers at once from now on. */
    void release() {
        gate.getAndSet(opened()).tryEmitEmpty();
    }

    /** Answers from now on with this HTTP status and an error body; 0 answers normally. */
    void failAnswers(int status) {
        failStatus = status;
    }

    /**
     * Streams from now on break off inside their second event, the connection closed without the answer's
     * end, as an engine that dies mid-answer; false streams whole again.
     */
    void cutStreams(boolean value) {
        cutStreams = value;
    }

    void polls(Polls mode) {
        pollMode = mode;
    }

    /** Reports one running request on every rank, whatever it holds. */
    void busy(boolean value) {
        busy = value;
    }

    /**
     * Reports, on every rank, this many requests and prompt tokens queued behind the running pass (SGLang's
     * {@code num_waiting_reqs} and {@code num_pending_tokens}), whatever it holds: an engine saturated by
     * traffic the dispatcher did not send. 0 and -1 go back to reporting only what it holds.
     */
    void backlog(int requests, long tokens) {
        backlogRequests = requests;
        backlogTokens = tokens;
    }

    private static Sinks.Empty<Void> opened() {
        Sinks.Empty<Void> s = Sinks.empty();
        s.tryEmitEmpty();
        return s;
    }

    private Publisher<Void> complete(HttpServerRequest req, HttpServerResponse res, boolean chat) {
        return req.receive().aggregate().asString().defaultIfEmpty("{}").flatMap(text -> {
            JsonNode body = JSON.readTree(text);
            Received r = new Received(req.uri(), req.requestHeaders().copy(), body);
            received.add(r);
            int rank = rankOf(r);
            running[rank].incrementAndGet();
            AtomicBoolean finished = new AtomicBoolean();
            // The connection closing before the answer is out is how an engine sees a cancelled request.
            req.withConnection(c -> c.onDispose(() -> {
                if (finished.compareAndSet(false, true)) {
                    running[rank].decrementAndGet();
                    abandoned.add(r);
                }
            }));
            Mono<Void> released = gate.get().asMono();
            int status = failStatus;
            Publisher<Void> answer;
            if (status != 0) {
                answer = res.status(status).header("Content-Type", "application/json")
                        .sendString(released.then(Mono.just("{\"error\":{\"message\":\"" + name + " fails\"}}")));
            } else if (body.path("stream").asBoolean(false) && cutStreams) {
                answer = res.header("Content-Type", "text/event-stream")
                        .sendString(released.thenMany(Flux.just("data: " + chunk(chat, "hello") + "\n\n", "data: {\"cut"))
                                .concatWith(Mono.error(new IllegalStateException(name + " dies mid-answer"))));
            } else if (body.path("stream").asBoolean(false)) {
                answer = res.header("Content-Type", "text/event-stream")
                        .sendString(released.thenMany(Flux.just(chunk(chat, "hello"), chunk(chat, " from " + name))
                                .map(data -> "data: " + data + "\n\n")
                                .concatWith(Mono.just("data: [DONE]\n\n"))));
            } else {
                answer = res.header("Content-Type", "application/json").sendString(released.then(Mono.just(whole(chat))));
            }
            return Mono.from(answer).doOnSuccess(v -> {
                if (finished.compareAndSet(false, true)) {
                    running[rank].decrementAndGet();
                }
            });
        });
    }

    private int rankOf(Received r) {
        String header = r.header(dialect == Dialect.SGLANG ? "X-Data-Parallel-Rank" : "X-data-parallel-rank");
        int rank = header == null ? 0 : Integer.parseInt(header);
        // an out-of-range rank is the dispatcher's bug; keep it in the record, count it on rank 0
        return rank >= 0 && rank < running.length ? rank : 0;
    }

    private String chunk(boolean chat, String text) {
        ObjectNode o = JSON.createObjectNode().put("id", "cmpl-" + name)
                .put("object", chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
        if (chat) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
        }
        return o.toString();
    }

    private String whole(boolean chat) {
        ObjectNode o = JSON.createObjectNode().put("id", "cmpl-" + name)
                .put("object", chat ? "chat.completion" : "text_completion");
        ObjectNode choice = o.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
        if (chat) {
            choice.putObject("message").put("role", "assistant").put("content", "hello from " + name);
        } else {
            choice.put("text", "hello from " + name);
        }
        o.putObject("usage").put("prompt_tokens", 1).put("completion_tokens", 2);
        return o.toString();
    }

    private Publisher<Void> poll(HttpServerRequest req, HttpServerResponse res) {
        polls.add(req.uri());
        return switch (pollMode) {
            case FAIL -> res.status(503).sendString(Mono.just("engine unavailable"));
            case IGNORE -> Mono.never();
            case ANSWER -> dialect == Dialect.SGLANG
                    ? res.header("Content-Type", "application/json").sendString(Mono.just(getLoad()))
                    : res.header("Content-Type", "text/plain; version=0.0.4").sendString(Mono.just(metrics()));
        };
    }

    private String getLoad() {
        var ranks = JSON.createArrayNode();
        for (int i = 0; i < running.length; i++) {
            int n = running[i].get() + (busy ? 1 : 0);
            var rank = ranks.addObject().put("dp_rank", i).put("num_reqs", n + backlogRequests)
                    .put("num_waiting_reqs", backlogRequests).put("num_tokens", 100L * n);
            if (backlogTokens >= 0) {
                rank.put("num_pending_tokens", backlogTokens);
            }
        }
        return ranks.toString();
    }

    private String metrics() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP vllm:num_requests_running Number of requests in model execution batches.\n")
                .append("# TYPE vllm:num_requests_running gauge\n");
        for (int i = 0; i < running.length; i++) {
            out.append("vllm:num_requests_running{engine=\"").append(i).append("\",model_name=\"m\"} ")
                    .append(running[i].get() + (busy ? 1 : 0)).append(".0\n");
        }
        out.append("# TYPE vllm:num_requests_waiting gauge\n");
        for (int i = 0; i < running.length; i++) {
            out.append("vllm:num_requests_waiting{engine=\"").append(i).append("\",model_name=\"m\"} 0.0\n");
        }
        out.append("# TYPE vllm:kv_cache_usage_perc gauge\n");
        for (int i = 0; i < running.length; i++) {
            out.append("vllm:kv_cache_usage_perc{engine=\"").append(i).append("\",model_name=\"m\"} 0.0\n");
        }
        return out.toString();
    }

    @Override
    public void close() {
        release();
        server.disposeNow(Duration.ofSeconds(5));
    }
}
