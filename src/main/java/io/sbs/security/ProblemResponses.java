package io.sbs.security;

import java.net.URI;
import java.util.Map;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Problem details (RFC 9457) written outside a controller, by the same codecs as every other answer: 401
 * and 403 from the security filters, and the admin API's errors raised before a controller is chosen. A
 * client of the API so sees one error format whoever refused it.
 */
public final class ProblemResponses {

    private static final ResolvableType PROBLEM = ResolvableType.forClass(ProblemDetail.class);

    private final ServerCodecConfigurer codecs;

    public ProblemResponses(ServerCodecConfigurer codecs) {
        this.codecs = codecs;
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

    private Mono<Void> write(ServerWebExchange exchange, HttpStatus status, String detail) {
        return write(exchange, ProblemDetail.forStatusAndDetail(status, detail));
    }

    /** Writes {@code problem} as the answer, with its status; its {@code instance} is the request's path. */
    @SuppressWarnings("unchecked")
    public Mono<Void> write(ServerWebExchange exchange, ProblemDetail problem) {
        problem.setInstance(URI.create(exchange.getRequest().getPath().value()));
        exchange.getResponse().setStatusCode(HttpStatusCode.valueOf(problem.getStatus()));
        for (HttpMessageWriter<?> writer : codecs.getWriters()) {
            if (writer.canWrite(PROBLEM, MediaType.APPLICATION_PROBLEM_JSON)) {
                return ((HttpMessageWriter<ProblemDetail>) writer).write(Mono.just(problem), PROBLEM,
                        MediaType.APPLICATION_PROBLEM_JSON, exchange.getResponse(), Map.of());
            }
        }
        return exchange.getResponse().setComplete();
    }
}
