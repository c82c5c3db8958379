package io.sbs.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.security.web.server.csrf.DefaultCsrfToken;
import reactor.core.publisher.Mono;

class CsrfTokenAdviceTest {

    @Test
    void csrfToken_resolvesTheSessionsToken_andExposesItAs_csrf() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/dashboard"));
        CsrfToken token = new DefaultCsrfToken("X-CSRF-TOKEN", "_csrf", "t0k3n");
        exchange.getAttributes().put(CsrfToken.class.getName(), Mono.just(token));

        CsrfToken resolved = new CsrfTokenAdvice().csrfToken(exchange).block(Duration.ofSeconds(1));

        assertThat(resolved).isSameAs(token);
        assertThat((Object) exchange.getAttribute("_csrf")).isSameAs(token);
    }

    @Test
    void csrfToken_withoutCsrfProtection_isEmpty() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/cluster"));

        assertThat(new CsrfTokenAdvice().csrfToken(exchange).block(Duration.ofSeconds(1))).isNull();
        assertThat((Object) exchange.getAttribute("_csrf")).isNull();
    }
}
