package io.sbs.web;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Reads a form body ({@code application/x-www-form-urlencoded}: the login and the dashboard's forms) before
 * anything else does, and refuses one Spring cannot decode (a {@code %} not followed by two hex digits) with
 * 400. Spring decodes a form once per exchange and keeps the result, so later readers get it as read here;
 * without this, the decoder's exception reached Spring Security's CSRF filter and the login filter at once,
 * and Reactor reported it as a dropped error with a stack trace.
 */
final class FormBodyCheck implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        MediaType type;
        try {
            type = exchange.getRequest().getHeaders().getContentType();
        } catch (InvalidMediaTypeException e) {
            // ClientErrors answers that one (415) when a reader parses the header
            return chain.filter(exchange);
        }
        if (type == null || !MediaType.APPLICATION_FORM_URLENCODED.isCompatibleWith(type)) {
            return chain.filter(exchange);
        }
        return exchange.getFormData()
                .onErrorMap(e -> !(e instanceof DataBufferLimitException) && !(e instanceof ResponseStatusException),
                        e -> new ResponseStatusException(HttpStatus.BAD_REQUEST, "malformed form body: "
                                + e.getMessage(), e))
                .then(chain.filter(exchange));
    }
}
