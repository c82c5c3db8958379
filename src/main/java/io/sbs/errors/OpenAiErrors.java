package io.sbs.errors;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI error object, {@code {"error":{"message","type","param","code"}}}: every error of the inference
 * ingress ({@code /v1/**}) is written so, before the first byte with its status, and inside a stream as a
 * {@code data:} event, as OpenAI, SGLang and vLLM do. OpenAI clients parse this shape and nothing else: the
 * official SDKs read {@code error.message} into their exceptions, and scripts read {@code error.code}.
 * docs/api.md says why this and not problem details, which the rest of the service answers.
 *
 * <p>{@code type} is {@code invalid_request_error} for a client's mistake and {@code server_error} for
 * overload (429) and for faults of the dispatcher or an engine, as OpenAI types them; {@code param} names the
 * field at fault where one is; {@code code} is a short word where the client can act on it
 * ({@code context_length_exceeded}, as OpenAI says it; {@code overloaded}; {@code engine_error},
 * {@code engine_unavailable}, {@code engine_timeout}), else null.
 */
public final class OpenAiErrors {

    /** Properties of a {@link ProblemDetail} that carry {@code param} and {@code code} to {@link ClientErrors}. */
    public static final String PARAM = "param";
    public static final String CODE = "code";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private OpenAiErrors() {
    }

    /** Whether {@code path} is the ingress's, whose errors are OpenAI error objects. */
    public static boolean covers(String path) {
        return path.startsWith("/v1/") || path.equals("/v1");
    }

    public static String type(HttpStatusCode status) {
        return status.is4xxClientError() && status.value() != 429 ? "invalid_request_error" : "server_error";
    }

    public static String json(HttpStatusCode status, String message, @Nullable String param, @Nullable String code) {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("error").put("message", message).put("type", type(status)).put("param", param).put("code", code);
        return o.toString();
    }

    /** The answer before the first byte: {@code status} and the error object. */
    public static Mono<ServerResponse> response(HttpStatusCode status, String message, @Nullable String param,
            @Nullable String code) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(json(status, message, param, code));
    }

    /** As {@link #response}, for a request nothing of which was started: the client may retry in a second. */
    public static Mono<ServerResponse> retryLater(HttpStatusCode status, String message, String code) {
        return ServerResponse.status(status).header(HttpHeaders.RETRY_AFTER, "1").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(json(status, message, null, code));
    }

    /** Writes a refusal outside a handler (no such path, a wrong method, a garbled body) as the error object. */
    public static Mono<Void> write(ServerWebExchange exchange, ProblemDetail problem) {
        HttpStatusCode status = HttpStatusCode.valueOf(problem.getStatus());
        String message = problem.getDetail() != null ? problem.getDetail() : String.valueOf(problem.getTitle());
        if (status.value() == 404 || status.value() == 405) {
            // OpenAI's words for a path or method it does not serve
            String url = "Invalid URL (" + exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath().value() + ")";
            message = status.value() == 404 ? url : url + ": " + message;
        }
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        DataBuffer body = response.bufferFactory().wrap(json(problem, message).getBytes(StandardCharsets.UTF_8));
        return response.writeWith(Mono.just(body));
    }

    /** A refusal's error object: its detail (or title), and the {@code param} and {@code code} it carries. */
    public static String json(ProblemDetail problem) {
        return json(problem, problem.getDetail() != null ? problem.getDetail() : String.valueOf(problem.getTitle()));
    }

    private static String json(ProblemDetail problem, String message) {
        return json(HttpStatusCode.valueOf(problem.getStatus()), message, property(problem, PARAM),
                property(problem, CODE));
    }

    private static @Nullable String property(ProblemDetail problem, String name) {
        Object v = problem.getProperties() == null ? null : problem.getProperties().get(name);
        return v == null ? null : v.toString();
    }
}
