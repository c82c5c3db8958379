package io.sbs.security;

import java.net.URI;
import java.util.Map;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * 401 and 403 from the security filters as RFC 9457 problem details, written by the same codecs as every
 * other answer, so a client of the API sees one error format whether a controller or a filter refused it.
 */
final class ProblemResponses {

    private static final ResolvableType PROBLEM = ResolvableType.forClass(ProblemDetail.class);

    private final ServerCodecConfigurer codecs;

    ProblemResponses(ServerCodecConfigurer codecs) {
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

    @SuppressWarnings("unchecked")
    private Mono<Void> write(ServerWebExchange exchange, HttpStatus status, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setInstance(URI.create(exchange.getRequest().getPath().value()));
        exchange.getResponse().setStatusCode(status);
        for (HttpMessageWriter<?> writer : codecs.getWriters()) {
            if (writer.canWrite(PROBLEM, MediaType.APPLICATION_PROBLEM_JSON)) {
                return ((HttpMessageWriter<ProblemDetail>) writer).write(Mono.just(problem), PROBLEM,
                        MediaType.APPLICATION_PROBLEM_JSON, exchange.getResponse(), Map.of());
            }
        }
        return exchange.getResponse().setComplete();
    }
}
