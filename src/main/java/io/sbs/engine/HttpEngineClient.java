package io.sbs.engine;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.node.ObjectNode;

/**
 * An engine over HTTP with Spring's WebClient: SGLang ({@link #sglang}) or vLLM ({@link #vllm}). They
 * share the request path and differ in DP-rank pinning ({@link RankPinning}) and in where load comes from
 * (SGLang {@code GET /get_load}, vLLM {@code GET /metrics}). Every call has a timeout; none waits forever.
 */
public final class HttpEngineClient implements EngineClient {

    /** Header carrying the dispatcher's request id to the engine, for correlated logs. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
    };

    private final String instanceId;
    private final WebClient web;
    private final RankPinning pinning;
    private final String loadPath;
    private final Function<String, EngineLoad> loadParser;
    private final Duration timeout;

    private HttpEngineClient(String instanceId, WebClient web, RankPinning pinning, String loadPath,
            Function<String, EngineLoad> loadParser, Duration timeout) {
        this.instanceId = instanceId;
        this.web = web;
        this.pinning = pinning;
        this.loadPath = loadPath;
        this.loadParser = loadParser;
        this.timeout = timeout;
    }

    /** An SGLang DP-attention server at {@code baseUrl}. */
    public static HttpEngineClient sglang(String instanceId, String baseUrl, WebClient.Builder builder, Duration timeout) {
        return new HttpEngineClient(instanceId, web(builder, baseUrl), RankPinning.SGLANG, "/get_load",
                SglangLoadParser::parse, timeout);
    }

    /** A vLLM data-parallel server at {@code baseUrl}. */
    public static HttpEngineClient vllm(String instanceId, String baseUrl, WebClient.Builder builder, Duration timeout) {
        return new HttpEngineClient(instanceId, web(builder, baseUrl), RankPinning.VLLM, "/metrics",
                VllmMetricsParser::parse, timeout);
    }

    /**
     * Connections to engines. Every request in flight holds one until its answer ends, so an instance
     * needs as many as it has requests running and queued; Reactor Netty's default of 16 per host would
     * queue requests in the client, out of the scheduler's sight.
     */
    private static final ConnectionProvider CONNECTIONS = ConnectionProvider.builder("sbs-engines")
            .maxConnections(4_096).pendingAcquireMaxCount(-1).maxIdleTime(Duration.ofSeconds(60)).build();

    /**
     * Event loops for engine calls, owned here rather than Reactor Netty's global ones, which an
     * in-process application disposes when it shuts down (Spring's resource factory does).
     */
    private static final LoopResources LOOPS = LoopResources.create("sbs-engines", Math.max(2,
            Runtime.getRuntime().availableProcessors()), true);

    /** Reactor Netty underneath, so the request-written event can run {@link EngineClient#ON_SENT}. */
    private static WebClient web(WebClient.Builder builder, String baseUrl) {
        HttpClient http = HttpClient.create(CONNECTIONS).runOn(LOOPS).doAfterRequest((request, connection) -> request.currentContextView()
                .<Runnable>getOrEmpty(ON_SENT).ifPresent(Runnable::run));
        return builder.clientConnector(new ReactorClientHttpConnector(http)).baseUrl(baseUrl).build();
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    private WebClient.RequestHeadersSpec<?> request(String path, ObjectNode body, int dpRank, String requestId,
            boolean stream) {
        pinning.pinBody(body, dpRank);
        body.put("stream", stream);
        Map<String, String> headers = pinning.headers(dpRank);
        return web.post().uri(path).contentType(MediaType.APPLICATION_JSON)
                .accept(stream ? MediaType.TEXT_EVENT_STREAM : MediaType.APPLICATION_JSON)
                .headers(h -> {
                    headers.forEach(h::set);
                    h.set(REQUEST_ID_HEADER, requestId);
                })
                .bodyValue(body.toString());
    }

    @Override
    public Flux<String> stream(String path, ObjectNode body, int dpRank, String requestId) {
        return request(path, body, dpRank, requestId, true).retrieve().bodyToFlux(SSE)
                .timeout(timeout)
                .mapNotNull(ServerSentEvent::data)
                .takeWhile(data -> !data.equals("[DONE]"));
    }

    @Override
    public Mono<String> call(String path, ObjectNode body, int dpRank, String requestId) {
        return request(path, body, dpRank, requestId, false).retrieve().bodyToMono(String.class).timeout(timeout);
    }

    @Override
    public Mono<Void> health() {
        return web.get().uri("/health").retrieve().toBodilessEntity().timeout(timeout).then();
    }

    @Override
    public Mono<EngineLoad> load() {
        return web.get().uri(loadPath).retrieve().bodyToMono(String.class).timeout(timeout).map(loadParser);
    }
}
