package io.sbs.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.MediaType;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import tools.jackson.databind.node.ObjectNode;

/**
 * An engine over HTTP: SGLang ({@link #sglang}) or vLLM ({@link #vllm}). They share the request path and
 * differ in DP-rank pinning ({@link RankPinning}) and in where load comes from (SGLang
 * {@code GET /get_load}, vLLM {@code GET /metrics}). Every call has a timeout; none waits forever.
 *
 * <p>Calls go straight through Reactor Netty's {@link HttpClient}, as Spring Cloud Gateway's proxy does,
 * rather than through Spring's WebClient: every request the dispatcher accepts makes one of these calls,
 * and WebClient's layers (header copies, body inserters and extractors, an observation per call) cost
 * more CPU than the rest of the dispatcher's own work (docs/benchmarks.md, dispatcher overhead). Answers
 * are relayed as the engine's bytes, streamed ones cut at event ends ({@link EventFrames}), never decoded. An
 * error status becomes an {@link EngineAnswerException} carrying the engine's answer.
 */
public final class HttpEngineClient implements EngineClient {

    /** Header carrying the dispatcher's request id to the engine, for correlated logs. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    private static final NettyDataBufferFactory BUFFERS = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);

    private final String instanceId;
    /** One client per event loop ({@link EngineLoops}), each with that loop's pool. */
    private final HttpClient[] http;
    private final RankPinning pinning;
    private final String loadPath;
    private final Function<String, EngineLoad> loadParser;
    private final Duration timeout;

    private HttpEngineClient(String instanceId, String baseUrl, RankPinning pinning, String loadPath,
            Function<String, EngineLoad> loadParser, Duration timeout) {
        this.instanceId = instanceId;
        this.http = new HttpClient[EngineLoops.count()];
        for (int i = 0; i < http.length; i++) {
            // the request-written event runs EngineClient#ON_SENT, which times τ_net
            http[i] = HttpClient.create(EngineLoops.pool(i)).runOn(EngineLoops.loop(i)).baseUrl(baseUrl)
                    .doAfterRequest((request, connection) -> request.currentContextView()
                            .<Runnable>getOrEmpty(ON_SENT).ifPresent(Runnable::run));
        }
        this.pinning = pinning;
        this.loadPath = loadPath;
        this.loadParser = loadParser;
        this.timeout = timeout;
    }

    /** An SGLang DP-attention server at {@code baseUrl}. */
    public static HttpEngineClient sglang(String instanceId, String baseUrl, Duration timeout) {
        return new HttpEngineClient(instanceId, baseUrl, RankPinning.SGLANG, "/get_load", SglangLoadParser::parse,
                timeout);
    }

    /** A vLLM data-parallel server at {@code baseUrl}. */
    public static HttpEngineClient vllm(String instanceId, String baseUrl, Duration timeout) {
        return new HttpEngineClient(instanceId, baseUrl, RankPinning.VLLM, "/metrics", VllmMetricsParser::parse,
                timeout);
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    private HttpClient.ResponseReceiver<?> post(HttpClient http, String path, ObjectNode body, int dpRank,
            String requestId, boolean stream) {
        pinning.pinBody(body, dpRank);
        body.put("stream", stream);
        Map<String, String> pins = pinning.headers(dpRank);
        String json = body.toString();
        return http.headers(h -> {
            h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            h.set(HttpHeaderNames.ACCEPT, stream ? MediaType.TEXT_EVENT_STREAM_VALUE : MediaType.APPLICATION_JSON_VALUE);
            h.set(REQUEST_ID_HEADER, requestId);
            pins.forEach(h::set);
        }).post().uri(path).send(ByteBufMono.fromString(Mono.just(json)));
    }

    @Override
    public Flux<DataBuffer> stream(String path, ObjectNode body, int dpRank, String requestId) {
        return Flux.deferContextual(context -> {
            int loop = EngineLoops.indexFor(context);
            return post(http[loop], path, body, dpRank, requestId, true)
                    .response((response, content) -> failed(response)
                            ? content.aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                                    .flatMapMany(text -> Flux.<ByteBuf>error(new EngineAnswerException(instanceId,
                                            response.status().code(), text)))
                            : content)
                    // ahead of the retain (wholeEvents): a buffer the timeout drops, as it fires or once the client
                    // has left, is dropped while still Reactor Netty's, which releases it; behind it, it was lost
                    .timeout(timeout, EngineLoops.timer(loop))
                    .transform(HttpEngineClient::wholeEvents);
        });
    }

    /**
     * The engine's bytes, cut at event ends ({@link EventFrames}). Reactor Netty releases each buffer once it
     * has been handed on, so each is retained until the server has written it to the client.
     */
    private static Flux<DataBuffer> wholeEvents(Flux<ByteBuf> content) {
        return Flux.defer(() -> {
            EventFrames frames = new EventFrames();
            return content.<DataBuffer>handle((buffer, sink) -> {
                ByteBuf events = frames.next(buffer.retain());
                if (events != null) {
                    sink.next(BUFFERS.wrap(events));
                }
            }).doFinally(signal -> frames.discard());
        });
    }

    @Override
    public Mono<DataBuffer> call(String path, ObjectNode body, int dpRank, String requestId) {
        return Mono.deferContextual(context -> {
            int loop = EngineLoops.indexFor(context);
            return post(http[loop], path, body, dpRank, requestId, false)
                    .responseSingle((response, content) -> failed(response)
                            ? content.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                                    .flatMap(text -> Mono.<ByteBuf>error(new EngineAnswerException(instanceId,
                                            response.status().code(), text)))
                            : content)
                    // as in stream: the timeout may drop the answer, so it comes before the retain. The answer
                    // reaches the retain before Reactor Netty releases the aggregate: demand is always there
                    // (every subscriber of a Mono asks for everything at once), so it is passed on as it comes
                    .timeout(timeout, EngineLoops.timer(loop))
                    // retained past Reactor Netty's release of the aggregate, until the server has written it
                    .map(buffer -> (DataBuffer) BUFFERS.wrap(buffer.retain()))
                    .switchIfEmpty(Mono.fromSupplier(() -> BUFFERS.allocateBuffer(0)));
        });
    }

    @Override
    public Mono<Void> health() {
        return text("/health").then();
    }

    @Override
    public Mono<EngineLoad> load() {
        return text(loadPath).map(loadParser);
    }

    /** The whole answer to {@code GET path} as text, or an {@link EngineAnswerException} for an error status. */
    private Mono<String> text(String path) {
        return Mono.deferContextual(context -> {
            int loop = EngineLoops.indexFor(context);
            return http[loop].get().uri(path)
                    .responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8)
                            .defaultIfEmpty("")
                            .flatMap(text -> failed(response)
                                    ? Mono.error(new EngineAnswerException(instanceId, response.status().code(), text))
                                    : Mono.just(text)))
                    .timeout(timeout, EngineLoops.timer(loop));
        });
    }

    private static boolean failed(HttpClientResponse response) {
        return response.status().code() >= 400;
    }

}
