package io.sbs.web;

import io.sbs.core.InferenceRequest;
import io.sbs.engine.EndForwardPayload;
import io.sbs.engine.EngineClient;
import io.sbs.engine.PromptTokens;
import io.sbs.loop.DispatchLoop;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI-compatible ingress and the EndForward push endpoint.
 *
 * <p>A completion request is validated (400 problem details for malformed JSON, missing
 * {@code messages} or {@code prompt}, negative {@code max_tokens}, prompts above
 * {@code sbs.max-prompt-tokens}; 429 with {@code Retry-After} while flow control is on), measured in
 * tokens, offered to the dispatch loop, and sent to the engine and DP rank the loop chose; the answer
 * streams back as server-sent events ending in {@code data: [DONE]}, or as one JSON body. A client that
 * goes away cancels the engine call. Engine failures map to 502 (engine error), 503 (unreachable) and
 * 504 (timeout).
 */
final class InferenceHandler {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    // Until per-model tokenizers are configured, prompts without token ids are estimated.
    private static final PromptTokens PROMPT_TOKENS = PromptTokens.estimateOnly();

    private final DispatchLoop loop;
    private final Map<String, EngineClient> engines;
    private final SbsProperties properties;
    private final AtomicLong ids = new AtomicLong();

    InferenceHandler(DispatchLoop loop, Map<String, EngineClient> engines, SbsProperties properties) {
        this.loop = loop;
        this.engines = engines;
        this.properties = properties;
    }

    Mono<ServerResponse> chat(ServerRequest request) {
        return complete(request, "/v1/chat/completions", true);
    }

    Mono<ServerResponse> completions(ServerRequest request) {
        return complete(request, "/v1/completions", false);
    }

    Mono<ServerResponse> models(ServerRequest request) {
        ObjectNode o = JSON.createObjectNode().put("object", "list");
        o.putArray("data").addObject().put("id", "sbs").put("object", "model").put("owned_by", "sbs");
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(o.toString());
    }

    private Mono<ServerResponse> complete(ServerRequest request, String path, boolean chat) {
        String requestId = request.headers().firstHeader("X-Request-Id");
        return request.bodyToMono(String.class).defaultIfEmpty("")
                .onErrorMap(DataBufferLimitException.class, TooLarge::new)
                .flatMap(text -> {
            JsonNode json;
            try {
                json = JSON.readTree(text);
            } catch (JacksonException e) {
                return problem(HttpStatus.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
            }
            if (!(json instanceof ObjectNode body)) {
                return problem(HttpStatus.BAD_REQUEST, "the request body must be a JSON object");
            }
            if (chat && (!body.path("messages").isArray() || body.get("messages").isEmpty())) {
                return problem(HttpStatus.BAD_REQUEST, "'messages' must be a non-empty array");
            }
            if (!chat && !body.has("prompt")) {
                return problem(HttpStatus.BAD_REQUEST, "'prompt' is required");
            }
            JsonNode maxTokens = body.has("max_tokens") ? body.get("max_tokens") : body.get("max_completion_tokens");
            if (maxTokens != null && !maxTokens.isNull() && (!maxTokens.isIntegralNumber() || maxTokens.asLong() < 0)) {
                return problem(HttpStatus.BAD_REQUEST, "'max_tokens' must be a non-negative integer");
            }
            int prompt = PROMPT_TOKENS.count(body);
            if (prompt > properties.maxPromptTokens()) {
                return problem(HttpStatus.BAD_REQUEST, "the prompt has about " + prompt + " tokens, more than the "
                        + properties.maxPromptTokens() + " this service accepts");
            }
            if (loop.overloaded()) {
                return ServerResponse.status(HttpStatus.TOO_MANY_REQUESTS).header("Retry-After", "1")
                        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                        .bodyValue(ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                                "the dispatcher is overloaded, retry later"));
            }
            long id = ids.incrementAndGet();
            String rid = requestId != null && !requestId.isBlank() ? requestId : "req-" + id;
            int output = maxTokens == null || maxTokens.isNull() ? 256 : (int) Math.min(Integer.MAX_VALUE, maxTokens.asLong());
            InferenceRequest r = new InferenceRequest(id, prompt, output, loop.now());
            boolean stream = body.path("stream").asBoolean(false);
            return stream ? stream(path, body, r, rid) : whole(path, body, r, rid);
        }).onErrorResume(TooLarge.class, e -> problem(HttpStatus.CONTENT_TOO_LARGE,
                "the request body is larger than this service buffers (spring.http.codecs.max-in-memory-size)"));
    }

    /** The body did not fit the codec's buffer. */
    private static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLarge(Throwable cause) {
            super(cause);
        }
    }

    private Mono<ServerResponse> stream(String path, ObjectNode body, InferenceRequest r, String rid) {
        AtomicBoolean first = new AtomicBoolean(true);
        Flux<ServerSentEvent<String>> events = loop.submit(r).flatMapMany(d -> engines.get(d.unit().instanceId())
                .stream(path, body, d.unit().dpRank(), rid)
                .doOnNext(data -> {
                    if (first.compareAndSet(true, false)) {
                        loop.onPrefillCompleted(d.unit(), r.promptTokens());
                    }
                }))
                .map(data -> ServerSentEvent.builder(data).build())
                .concatWith(Mono.just(ServerSentEvent.builder("[DONE]").build()))
                .onErrorResume(e -> Mono.just(ServerSentEvent.builder(errorJson(e)).build()));
        return ServerResponse.ok().header("X-Request-Id", rid).contentType(MediaType.TEXT_EVENT_STREAM)
                .body(events, ServerSentEvent.class);
    }

    private Mono<ServerResponse> whole(String path, ObjectNode body, InferenceRequest r, String rid) {
        return loop.submit(r).flatMap(d -> engines.get(d.unit().instanceId()).call(path, body, d.unit().dpRank(), rid)
                .doOnNext(answer -> loop.onPrefillCompleted(d.unit(), r.promptTokens())))
                .flatMap(answer -> ServerResponse.ok().header("X-Request-Id", rid).contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(answer))
                .onErrorResume(e -> problem(statusOf(e), detailOf(e)));
    }

    /** {@code POST /internal/v1/end-forward}: an engine's EndForward push, with the engine token. */
    Mono<ServerResponse> endForward(ServerRequest request) {
        String expected = properties.engineToken();
        if (expected != null) {
            String given = request.headers().firstHeader("Authorization");
            byte[] a = ("Bearer " + expected).getBytes(StandardCharsets.UTF_8);
            byte[] b = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(a, b)) {
                return problem(HttpStatus.UNAUTHORIZED, "a valid engine token is required");
            }
        }
        return request.bodyToMono(String.class).defaultIfEmpty("").flatMap(text -> {
            try {
                loop.onForwardEnded(EndForwardPayload.parse(text, loop.now(), 0));
                return ServerResponse.noContent().build();
            } catch (IllegalArgumentException e) {
                return problem(HttpStatus.BAD_REQUEST, e.getMessage());
            }
        });
    }

    private static HttpStatusCode statusOf(Throwable e) {
        if (e instanceof WebClientResponseException) {
            return HttpStatus.BAD_GATEWAY;
        }
        if (e instanceof TimeoutException) {
            return HttpStatus.GATEWAY_TIMEOUT;
        }
        if (e instanceof WebClientRequestException || e.getCause() instanceof ConnectException) {
            return HttpStatus.SERVICE_UNAVAILABLE;
        }
        return HttpStatus.INTERNAL_SERVER_ERROR;
    }

    private static String detailOf(Throwable e) {
        if (e instanceof WebClientResponseException w) {
            return "engine answered " + w.getStatusCode().value() + ": " + w.getResponseBodyAsString();
        }
        if (e instanceof TimeoutException) {
            return "the engine did not answer in time";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String errorJson(Throwable e) {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("error").put("message", detailOf(e)).put("code", statusOf(e).value());
        return o.toString();
    }

    /** An RFC 9457 problem-details answer, rendered by Spring's codecs. */
    static Mono<ServerResponse> problem(HttpStatusCode status, String detail) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .bodyValue(ProblemDetail.forStatusAndDetail(status, detail));
    }
}
