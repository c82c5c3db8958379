package io.sbs.errors;

import io.netty.handler.timeout.ReadTimeoutException;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.util.DisconnectedClientHelper;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The one error path for client mistakes that leave a handler as exceptions: each becomes a 4xx problem
 * detail (RFC 9457), or under the ingress's {@code /v1/**} an OpenAI error object ({@link OpenAiErrors}), and
 * one line in the log, without a stack trace, since a stack trace says nothing about
 * a client's mistake and an attacker could fill the disk with them. Spring's own refusals (no such path,
 * a method or body type the path does not take, unreadable input) keep their status; a {@code Content-Type}
 * that is not a media type, or names an unknown charset, is 415; a body over the codecs' buffer is 413; a
 * body that stops arriving for {@code sbs.request-read-timeout} is 408. A
 * client that went away ends the exchange quietly, and an error after an answer began (Reactor Netty's own
 * 408 for a request not read within {@code sbs.request-read-timeout}, say) in one line: Spring would report
 * either as a 500 with a stack trace. Anything else is a fault of ours: under {@code /v1/**} logged with its trace
 * and answered 500 as an OpenAI error object, elsewhere handed on to Spring Boot's handler, which logs it
 * with its trace and answers 500.
 *
 * <p>The dashboard's pages ({@code /dashboard}, {@code /login}, {@code /logout}) keep Spring Boot's error
 * page, with the client's status; every other path answers problem details.
 */
public final class ClientErrors implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ClientErrors.class);
    private static final int MAX_LOGGED = 200;

    private final ProblemWriter writer;

    public ClientErrors(ProblemWriter writer) {
        this.writer = writer;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        if (DisconnectedClientHelper.isClientDisconnectedException(ex)) {
            // nobody is left to answer, and nothing of ours failed
            log.debug("request {} {}: the client went away ({})", exchange.getRequest().getMethod(),
                    clean(exchange.getRequest().getPath().value()), ex.toString());
            return Mono.empty();
        }
        if (answeredByServer(exchange)) {
            // an answer is on the wire already, ours or Reactor Netty's own 408 for a request not read in
            // time: no second one can follow, so this is said in one line
            log.info("request {} {} failed after its answer began: {}", exchange.getRequest().getMethod(),
                    clean(exchange.getRequest().getPath().value()), clean(ex.toString()));
            return Mono.empty();
        }
        ErrorResponse refusal = refusal(ex);
        String path = exchange.getRequest().getPath().value();
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        if (refusal == null) {
            if (!OpenAiErrors.covers(path)) {
                return Mono.error(ex);
            }
            // a fault of ours on the ingress: logged with its trace, answered as OpenAI clients read errors
            log.error("request {} {} failed", exchange.getRequest().getMethod(), clean(path), ex);
            return OpenAiErrors.write(exchange, ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                    "the request failed inside the dispatcher; its log has the details"));
        }
        ProblemDetail problem = refusal.getBody();
        logRefusal(exchange, problem.getStatus(), problem.getDetail());
        if (path.equals("/login") || path.equals("/logout") || path.startsWith("/dashboard")) {
            return Mono.error(refusal instanceof ResponseStatusException ? ex
                    : new ResponseStatusException(refusal.getStatusCode(), problem.getDetail()));
        }
        refusal.getHeaders().forEach((name, values) -> exchange.getResponse().getHeaders().put(name, values));
        return OpenAiErrors.covers(path) ? OpenAiErrors.write(exchange, problem) : writer.write(exchange, problem);
    }

    /** Whether {@code ex} is a client's mistake, answered 4xx here. */
    public static boolean isClientMistake(Throwable ex) {
        return refusal(ex) != null;
    }

    /** The client's mistake in {@code ex} as a 4xx answer; null when it is no client mistake. */
    public static @Nullable ErrorResponse refusal(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ErrorResponse e && e.getStatusCode().is4xxClientError()) {
                return e;
            }
            if (t instanceof InvalidMediaTypeException e) {
                return ErrorResponse.create(e, HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                        "the Content-Type is not a media type this service reads: " + e.getMessage());
            }
            if (t instanceof ReadTimeoutException e) {
                return ErrorResponse.create(e, HttpStatus.REQUEST_TIMEOUT,
                        "the request body did not arrive in time (sbs.request-read-timeout)");
            }
            if (t instanceof DataBufferLimitException e) {
                return ErrorResponse.create(e, HttpStatus.CONTENT_TOO_LARGE,
                        "the request body is larger than this service buffers (spring.http.codecs.max-in-memory-size)");
            }

        }
        return null;
    }

    /**
     * Whether an answer is on the wire already, so no other can be sent: ours, or one Reactor Netty sent on
     * its own (400 for a body whose framing it could not decode, 408 for one not read in time).
     */
    public static boolean answeredByServer(ServerWebExchange exchange) {
        try {
            return ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse()) instanceof HttpServerResponse r
                    && r.hasSentHeaders();
        } catch (IllegalArgumentException e) {
            // not on Reactor Netty (a mock exchange): nothing answers behind Spring's back there
            return false;
        }
    }

    /**
     * Logs a refused request in one line: who, what, the status and why. The request's own words (path,
     * detail) are cut short and stripped of control characters, so a client cannot forge log lines.
     */
    public static void logRefusal(ServerWebExchange exchange, int status, @Nullable String detail) {
        if (log.isInfoEnabled()) {
            logRefusal(exchange.getRequest().getMethod().name(), exchange.getRequest().getPath().value(),
                    exchange.getRequest().getRemoteAddress(), status, detail);
        }
    }

    /** As {@link #logRefusal(ServerWebExchange, int, String)}, for a request served outside WebFlux. */
    public static void logRefusal(String method, String path, @Nullable InetSocketAddress from, int status,
            @Nullable String detail) {
        if (log.isInfoEnabled()) {
            log.info("refused {} {} from {}: {} {}", method, clean(path),
                    from == null || from.getAddress() == null ? "?" : from.getAddress().getHostAddress(), status,
                    clean(detail == null ? "" : detail));
        }
    }

    private static String clean(String text) {
        String cut = text.length() > MAX_LOGGED ? text.substring(0, MAX_LOGGED) + "..." : text;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
