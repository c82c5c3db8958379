package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.state.LeaderLease;
import io.sbs.state.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * A dispatcher that stands by (another node holds the lease in a real Redis) refuses the dashboard's
 * policy form with a message that names the leader, and the page says it is standby before anyone tries.
 * Driven over HTTP as a browser would: session and CSRF cookies, the CSRF token from each page's form.
 */
// its own context (no other class shares its settings) runs simulated engines: closed after the class
// rather than kept busy in the cache while the other integration tests run
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "SBS_VIEWER_PASSWORD=viewer-standby-test",
    "SBS_OPERATOR_PASSWORD=" + DashboardStandbyIT.PASSWORD,
    "sbs.state.store=redis",
    "sbs.state.cluster=dashboard-standby",
    "sbs.state.node-id=" + DashboardStandbyIT.NODE,
    "sbs.embedded.demo-qps=0"})
class DashboardStandbyIT {

    static final String PASSWORD = "operator-standby-test";
    static final String NODE = "dashboard-standby";
    private static final String LEADER = "leader-elsewhere";
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    private static final Pattern VERSION = Pattern.compile("name=\"expectedVersion\" value=\"(\\d+)\"");

    @LocalServerPort
    int port;

    /** Before the service starts, another node takes the lease, for longer than the test runs. */
    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        RedisServer redis;
        try {
            redis = RedisServer.shared();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        LeaderLease.Holder holder = new LeaderLease(redis.flushed(), "dashboard-standby", LEADER, Duration.ofMinutes(5))
                .acquire().block(Duration.ofSeconds(5));
        assertThat(holder.mine()).isTrue();
        registry.add("spring.data.redis.host", redis::host);
        registry.add("spring.data.redis.port", redis::port);
    }

    private static String find(Pattern pattern, String html) {
        Matcher m = pattern.matcher(html);
        assertThat(m.find()).as("%s in the page", pattern).isTrue();
        return m.group(1);
    }

    private static String session(EntityExchangeResult<?> result, String before) {
        ResponseCookie cookie = result.getResponseCookies().getFirst("SESSION");
        return cookie == null ? before : cookie.getValue();
    }

    @Test
    void policyForm_onAStandby_isRefusedNamingTheLeader() {
        WebTestClient http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
        EntityExchangeResult<String> login = http.get().uri("/login").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult();
        // the CSRF token's cookie (no session before the login)
        String xsrf = login.getResponseCookies().getFirst("XSRF-TOKEN").getValue();
        EntityExchangeResult<Void> loggedIn = http.post().uri("/login").cookie("XSRF-TOKEN", xsrf)
                .body(BodyInserters.fromFormData("username", "operator").with("password", PASSWORD)
                        .with("_csrf", find(CSRF, login.getResponseBody())))
                .exchange().expectStatus().isFound().expectHeader().location("/dashboard")
                .expectBody().isEmpty();
        String session = session(loggedIn, "");

        String page = http.get().uri("/dashboard/policies").cookie("SESSION", session).cookie("XSRF-TOKEN", xsrf).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(page).contains("This node is standby").contains(LEADER);

        String refused = http.post().uri("/dashboard/policies").cookie("SESSION", session).cookie("XSRF-TOKEN", xsrf)
                .header(HttpHeaders.ACCEPT, "text/html")
                .body(BodyInserters.fromFormData("_csrf", find(CSRF, page)).with("expectedVersion", find(VERSION, page))
                        .with("iqrKappa", "2"))
                .exchange().expectStatus().isEqualTo(HttpStatus.CONFLICT).expectBody(String.class).returnResult()
                .getResponseBody();
        assertThat(refused).contains("Not saved: this node (" + NODE + ") is standby; change the policy on the leader, "
                + LEADER);
        // the form comes back with what was typed
        assertThat(refused).contains("id=\"iqrKappa\" name=\"iqrKappa\" value=\"2\"");
    }
}
