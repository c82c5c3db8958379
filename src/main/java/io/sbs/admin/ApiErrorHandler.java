package io.sbs.admin;

import io.sbs.security.ProblemResponses;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Problem details for the admin API's errors that happen before a controller is chosen (no such path 404,
 * a method the path does not take 405, a body type it does not read 415), which the controllers' advice
 * never sees. Everything else, and every other path, goes on to Spring Boot's error handling.
 */
final class ApiErrorHandler implements WebExceptionHandler {

    private final ProblemResponses problems;

    ApiErrorHandler(ProblemResponses problems) {
        this.problems = problems;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        if (!(ex instanceof ErrorResponse error) || exchange.getResponse().isCommitted()
                || !exchange.getRequest().getPath().value().startsWith("/api/")) {
            return Mono.error(ex);
        }
        error.getHeaders().forEach((name, values) -> exchange.getResponse().getHeaders().put(name, values));
        return problems.write(exchange, error.getBody());
    }
}
