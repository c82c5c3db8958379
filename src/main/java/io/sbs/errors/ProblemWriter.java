package io.sbs.errors;

import java.net.URI;
import java.util.Map;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Writes an RFC 9457 problem detail as the answer outside a handler (the security filters, the error path
 * of {@link ClientErrors}), with the same codecs as every other answer, so a client sees one error format
 * whoever refused it.
 */
public final class ProblemWriter {

    private static final ResolvableType PROBLEM = ResolvableType.forClass(ProblemDetail.class);

    private final ServerCodecConfigurer codecs;

    public ProblemWriter(ServerCodecConfigurer codecs) {
        this.codecs = codecs;
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
