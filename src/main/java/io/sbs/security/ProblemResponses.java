package io.sbs.security;

import io.sbs.errors.ProblemWriter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The security filters' refusals as problem details (RFC 9457), written by {@link ProblemWriter}: 401 with
 * its challenge, 403, and 429 with {@code Retry-After} for a login refused after too many failures. A
 * client of the API so sees one error format whoever refused it.
 */
public final class ProblemResponses {

    private final ProblemWriter writer;

    public ProblemResponses(ServerCodecConfigurer codecs) {
        this.writer = new ProblemWriter(codecs);
    }

    /** 401 with {@code challenge} in {@code WWW-Authenticate}, so clients know which schemes are accepted. */
    ServerAuthenticationEntryPoint unauthorized(String challenge, String detail) {
        return (exchange, e) -> {
            exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, challenge);
            return write(exchange, HttpStatus.UNAUTHORIZED, detail);
        };
    }

    ServerAccessDeniedHandler forbidden() {
        return (exchange, e) -> write(exchange, HttpStatus.FORBIDDEN, "your role does not allow this");
    }

    /** 429 with {@code Retry-After}: a login refused unchecked after too many failures. */
    Mono<Void> tooManyLogins(ServerWebExchange exchange, LoginThrottledException e) {
        exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        return write(exchange, HttpStatus.TOO_MANY_REQUESTS, e.getMessage());
    }

    private Mono<Void> write(ServerWebExchange exchange, HttpStatus status, String detail) {
        return write(exchange, ProblemDetail.forStatusAndDetail(status, detail));
    }

    /** Writes {@code problem} as the answer, with its status; its {@code instance} is the request's path. */
    public Mono<Void> write(ServerWebExchange exchange, ProblemDetail problem) {
        return writer.write(exchange, problem);
    }
}
