package io.sbs.security;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.security.web.server.csrf.CsrfToken;
import reactor.core.publisher.Mono;

/**
 * {@code GET /login} for tests, answering the session's CSRF token as plain text, as the dashboard's login
 * page renders it into its form: the tests log in the way a browser does without parsing a page. A router
 * function, so it takes precedence over the dashboard's own page in these tests.
 */
@TestConfiguration(proxyBeanMethods = false)
class CsrfProbe {

    @Bean
    RouterFunction<ServerResponse> csrfProbe() {
        return route(RequestPredicates.GET("/login"), request -> {
            Mono<CsrfToken> token = request.exchange().getAttribute(CsrfToken.class.getName());
            return token == null ? ServerResponse.notFound().build()
                    : token.flatMap(t -> ServerResponse.ok().bodyValue(t.getToken()));
        });
    }
}
