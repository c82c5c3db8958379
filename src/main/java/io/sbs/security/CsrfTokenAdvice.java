package io.sbs.security;

import org.springframework.security.web.reactive.result.view.CsrfRequestDataValueProcessor;
import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Puts the CSRF token of the dashboard's session into every page's model as {@code _csrf}, where
 * Thymeleaf's form tags ({@code th:action}) and templates ({@code ${_csrf.token}}) find it. WebFlux keeps
 * the token as a {@code Mono} that nothing resolves unless asked; this asks.
 */
@ControllerAdvice
class CsrfTokenAdvice {

    @ModelAttribute(CsrfRequestDataValueProcessor.DEFAULT_CSRF_ATTR_NAME)
    Mono<CsrfToken> csrfToken(ServerWebExchange exchange) {
        Mono<CsrfToken> token = exchange.getAttribute(CsrfToken.class.getName());
        return token == null ? Mono.empty()
                : token.doOnSuccess(t -> exchange.getAttributes().put(CsrfRequestDataValueProcessor.DEFAULT_CSRF_ATTR_NAME, t));
    }
}
