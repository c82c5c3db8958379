package io.sbs.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * Password guessing over real HTTP: the 51st wrong password for a user within a minute is refused without
 * being checked, on the API (429 with {@code Retry-After}) and on the dashboard's form (back to the login
 * page, which says why), even when it is the right one. Its own context, since it locks its user out.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "sbs.embedded.demo-qps=0",
    "sbs.security.users[0].name=alice",
    "sbs.security.users[0].password={noop}" + LoginThrottleIT.PASSWORD,
    "sbs.security.users[0].roles=VIEWER"})
class LoginThrottleIT {

    static final String PASSWORD = "alice-throttle-password";
    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]*)\"");

    @LocalServerPort
    int port;

    private WebTestClient client() {
        return Caller.client(port);
    }

    @Test
    void fiftyFirstWrongPassword_forAUserWithinAMinute_isRefusedUnchecked() {
        for (int i = 1; i <= 50; i++) {
            client().get().uri("/api/v1/cluster").header(HttpHeaders.AUTHORIZATION, Caller.basic("alice", "guess-" + i))
                    .exchange().expectStatus().isUnauthorized().expectBody().returnResult();
        }

        EntityExchangeResult<byte[]> refused = client().get().uri("/api/v1/cluster")
                .header(HttpHeaders.AUTHORIZATION, Caller.basic("alice", PASSWORD)).exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(429)
                .jsonPath("$.detail").value(String.class, d -> assertThat(d).contains("too many failed logins"))
                .returnResult();
        assertThat(Long.parseLong(refused.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER))).isBetween(1L, 60L);

        EntityExchangeResult<String> login = client().get().uri("/login").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult();
        ResponseCookie xsrf = login.getResponseCookies().getFirst("XSRF-TOKEN");
        Matcher token = CSRF_FIELD.matcher(login.getResponseBody());
        assertThat(token.find()).isTrue();
        client().post().uri("/login").cookie(xsrf.getName(), xsrf.getValue())
                .body(BodyInserters.fromFormData("username", "alice").with("password", PASSWORD)
                        .with("_csrf", token.group(1)))
                .exchange().expectStatus().isFound().expectHeader().valueEquals(HttpHeaders.LOCATION, "/login?locked")
                .expectBody().returnResult();
        client().get().uri("/login?locked").exchange().expectStatus().isOk().expectBody(String.class)
                .value(page -> assertThat(page).contains("Too many failed logins"));
    }
}
