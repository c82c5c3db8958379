package io.sbs.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * The surfaces other than the admin endpoints themselves (AdminRoleMatrixIT has those): the open ingress,
 * Actuator, the EndForward push, the OpenAPI document, and the dashboard's form login with CSRF (the token
 * as the login page renders it), over real HTTP against the embedded default.
 */
@SecuredPlatform
class SecurityIT {

    @LocalServerPort
    int port;

    private WebTestClient client() {
        return Caller.client(port);
    }

    @Test
    void ingress_anonymous_isOpen() {
        client().get().uri("/v1/models").exchange().expectStatus().isOk().expectBody().returnResult();
    }

    @Test
    void actuator_healthInfoPrometheus_areOpen_butHealthDetailsOnlyForViewersAndOperators() {
        client().get().uri("/actuator/info").exchange().expectStatus().isOk().expectBody().returnResult();
        client().get().uri("/actuator/prometheus").exchange().expectStatus().isOk().expectBody().returnResult();
        client().get().uri("/actuator/health/readiness").exchange().expectStatus().isOk().expectBody().returnResult();
        client().get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("UP").jsonPath("$.components").doesNotExist();
        Caller.ENGINE.as(client().get().uri("/actuator/health")).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.components").doesNotExist();
        for (Caller reader : new Caller[] {Caller.VIEWER, Caller.OPERATOR}) {
            reader.as(client().get().uri("/actuator/health")).exchange().expectStatus().isOk().expectBody()
                    .jsonPath("$.components.leadership.details.leader").isEqualTo(true)
                    .jsonPath("$.components.engines.details.prefill-0").isEqualTo("UP");
        }
        client().get().uri("/actuator/health").header(HttpHeaders.AUTHORIZATION, "Bearer " + SecuredPlatform.VIEWER_API_TOKEN)
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.components.leadership.details.leader")
                .isEqualTo(true);
    }

    @Test
    void actuator_endpointsNotExposed_areRefused() {
        client().get().uri("/actuator/env").exchange().expectStatus().isUnauthorized().expectBody().returnResult();
        Caller.OPERATOR.as(client().get().uri("/actuator/env")).exchange().expectStatus().isForbidden()
                .expectBody().returnResult();
        Caller.OPERATOR.as(client().get().uri("/actuator/beans")).exchange().expectStatus().isForbidden()
                .expectBody().returnResult();
    }

    @Test
    void endForward_needsTheEngineRole() {
        String bad = "{\"instance_id\":\"prefill-0\"}";
        client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON).bodyValue(bad)
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sbs\"")
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(401)
                .jsonPath("$.detail").isEqualTo("a valid engine token is required");
        client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON).bodyValue(bad)
                .header(HttpHeaders.AUTHORIZATION, "Bearer not-the-engine-token").exchange().expectStatus().isUnauthorized()
                        .expectBody().returnResult();
        client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON).bodyValue(bad)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + SecuredPlatform.VIEWER_API_TOKEN).exchange()
                .expectStatus().isForbidden().expectBody().returnResult();
        Caller.OPERATOR.as(client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(bad)).exchange().expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(403);
        // past security, the handler judges the body
        Caller.ENGINE.as(client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(bad)).exchange().expectStatus().isBadRequest().expectBody().returnResult();
    }

    @Test
    void api_badCredentials_are401ProblemDetailsWithBothChallenges() {
        for (String authorization : new String[] {null, Caller.basic("viewer", "wrong"), Caller.basic("nobody", "x"),
            "Bearer not-a-token"}) {
            WebTestClient.RequestHeadersSpec<?> call = client().get().uri("/api/v1/cluster");
            if (authorization != null) {
                call = call.header(HttpHeaders.AUTHORIZATION, authorization);
            }
            call.exchange().expectStatus().isUnauthorized()
                    .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"sbs\", Bearer realm=\"sbs\"")
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.status").isEqualTo(401).jsonPath("$.instance").isEqualTo("/api/v1/cluster");
        }
    }

    @Test
    void api_isStateless_noSessionCookie() {
        EntityExchangeResult<byte[]> r = Caller.VIEWER.as(client().get().uri("/api/v1/cluster")).exchange()
                .expectBody().returnResult();
        assertThat(r.getResponseCookies()).doesNotContainKey("SESSION");
    }

    @Test
    void dashboardPages_carryAContentSecurityPolicy_andIngressAnswers_theirSecurityHeaders() {
        client().get().uri("/login").exchange().expectStatus().isOk()
                .expectHeader().valueEquals("Content-Security-Policy", SecurityConfiguration.DASHBOARD_CSP)
                .expectHeader().valueEquals("X-Content-Type-Options", "nosniff").expectBody().returnResult();
        client().get().uri("/v1/models").exchange().expectStatus().isOk()
                .expectHeader().valueEquals("X-Content-Type-Options", "nosniff")
                .expectHeader().valueEquals("X-Frame-Options", "DENY")
                .expectHeader().valueEquals("Cache-Control", "no-store")
                .expectHeader().valueEquals("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
                .expectBody().returnResult();
    }

    @Test
    void openApiDocument_isPublic() {
        client().get().uri("/v3/api-docs").exchange().expectStatus().isOk().expectBody().returnResult();
    }

    @Test
    void dashboard_anonymous_isSentToTheLoginPage() {
        client().get().uri("/dashboard").exchange().expectStatus().isFound()
                .expectHeader().valueEquals(HttpHeaders.LOCATION, "/login").expectBody().returnResult();
    }

    @Test
    void root_anonymous_leadsToTheLoginPage_loggedIn_toTheDashboard() {
        client().get().uri("/").exchange().expectStatus().isFound()
                .expectHeader().valueEquals(HttpHeaders.LOCATION, "/login").expectBody().returnResult();
        Session viewer = Session.open(client()).login(client(), "viewer", SecuredPlatform.VIEWER_PASSWORD);
        String location = viewer.get(client(), "/").expectStatus().is3xxRedirection().expectBody().returnResult()
                .getResponseHeaders().getLocation().toString();
        assertThat(location).isEqualTo("/dashboard");
        viewer.get(client(), location).expectStatus().isOk().expectBody(String.class)
                .value(page -> assertThat(page).contains("<title>Overview · SBS dispatcher</title>"));
    }

    @Test
    void favicon_isServedToAnyone_andEveryPageLinksIt() {
        client().get().uri("/img/favicon.svg").exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith("image/svg+xml").expectBody().returnResult();
        client().get().uri("/favicon.ico").exchange().expectStatus().is3xxRedirection()
                .expectHeader().valueEquals(HttpHeaders.LOCATION, "/img/favicon.svg").expectBody().returnResult();
        client().get().uri("/login").exchange().expectStatus().isOk().expectBody(String.class)
                .value(page -> assertThat(page).contains("<link rel=\"icon\" type=\"image/svg+xml\" href=\"/img/favicon.svg\">"));
        Session viewer = Session.open(client()).login(client(), "viewer", SecuredPlatform.VIEWER_PASSWORD);
        viewer.get(client(), "/dashboard").expectStatus().isOk().expectBody(String.class)
                .value(page -> assertThat(page).contains("href=\"/img/favicon.svg\""));
    }

    @Test
    void dashboard_postsWithoutCsrfToken_are403() {
        client().post().uri("/logout").exchange().expectStatus().isForbidden().expectBody().returnResult();
        client().post().uri("/login").body(BodyInserters.fromFormData("username", "viewer")
                .with("password", SecuredPlatform.VIEWER_PASSWORD)).exchange().expectStatus().isForbidden()
                        .expectBody().returnResult();
        // a token from another browser does not help either
        Session other = Session.open(client());
        Session mine = Session.open(client());
        client().post().uri("/login").cookies(c -> mine.cookies().forEach(c::add))
                .body(BodyInserters.fromFormData("username", "viewer")
                .with("password", SecuredPlatform.VIEWER_PASSWORD).with("_csrf", other.csrf))
                .exchange().expectStatus().isForbidden().expectBody().returnResult();
    }

    @Test
    void dashboard_formLogin_withCsrf_thenViewerReadsAndOnlyOperatorChanges() {
        Session viewer = Session.open(client()).login(client(), "viewer", SecuredPlatform.VIEWER_PASSWORD);
        viewer.get(client(), "/dashboard").expectStatus().isOk().expectBody().returnResult();
        // past security: the page does not exist, which only a logged-in viewer learns
        viewer.get(client(), "/dashboard/no-such-page").expectStatus().isNotFound().expectBody().returnResult();
        viewer.post(client(), "/dashboard/no-such-form", true).expectStatus().isForbidden().expectBody().returnResult();

        Session operator = Session.open(client()).login(client(), "operator", SecuredPlatform.OPERATOR_PASSWORD);
        operator.get(client(), "/dashboard/no-such-page").expectStatus().isNotFound().expectBody().returnResult();
        operator.post(client(), "/dashboard/no-such-form", true).expectStatus().isNotFound().expectBody().returnResult();
        operator.post(client(), "/dashboard/no-such-form", false).expectStatus().isForbidden().expectBody().returnResult();

        operator.post(client(), "/logout", true).expectStatus().isFound()
                .expectHeader().valueEquals(HttpHeaders.LOCATION, "/login?logout").expectBody().returnResult();
        operator.get(client(), "/dashboard/no-such-page").expectStatus().isFound()
                .expectHeader().valueEquals(HttpHeaders.LOCATION, "/login").expectBody().returnResult();
    }

    @Test
    void dashboard_wrongPassword_returnsToTheLoginPageWithAnError() {
        Session s = Session.open(client());
        s.form(client(), "/login", "username", "viewer", "password", "wrong").expectStatus().isFound()
                .expectHeader().valueEquals(HttpHeaders.LOCATION, "/login?error").expectBody().returnResult();
    }

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]*)\"");

    /** A browser's cookies (the CSRF cookie, and the session once logged in) and the token its pages carry. */
    private record Session(Map<String, String> cookies, String csrf) {

        /**
         * The login page, as a browser first sees it: the form's CSRF token and its cookie, and no session: the
         * page creates none on the server for anyone who merely looks at it.
         */
        static Session open(WebTestClient client) {
            EntityExchangeResult<String> r = client.get().uri("/login").exchange().expectStatus().isOk()
                    .expectBody(String.class).returnResult();
            assertThat(r.getResponseCookies()).as("no session for an anonymous look at the login page")
                    .doesNotContainKey("SESSION");
            ResponseCookie token = r.getResponseCookies().getFirst("XSRF-TOKEN");
            assertThat(token).as("the CSRF token's cookie").isNotNull();
            assertThat(token.getSameSite()).isEqualTo("Lax");
            return new Session(Map.of("XSRF-TOKEN", token.getValue()), csrfOf(r.getResponseBody()));
        }

        private static String csrfOf(String page) {
            Matcher m = CSRF_FIELD.matcher(page);
            assertThat(m.find()).as("the page's form carries the CSRF token: " + page).isTrue();
            assertThat(m.group(1)).isNotBlank();
            return m.group(1);
        }

        private Map<String, String> with(EntityExchangeResult<?> r) {
            Map<String, String> next = new HashMap<>(cookies);
            r.getResponseCookies().forEach((name, values) -> values.forEach(c -> {
                if (c.getValue().isEmpty()) {
                    next.remove(name);
                } else {
                    next.put(name, c.getValue());
                }
            }));
            return next;
        }

        Session login(WebTestClient client, String user, String password) {
            EntityExchangeResult<byte[]> r = form(client, "/login", "username", user, "password", password)
                    .expectStatus().isFound().expectHeader().valueEquals(HttpHeaders.LOCATION, "/dashboard")
                    .expectBody().returnResult();
            ResponseCookie session = r.getResponseCookies().getFirst("SESSION");
            assertThat(session).as("a session from the login on").isNotNull();
            assertThat(session.getSameSite()).isEqualTo("Lax");
            assertThat(session.isHttpOnly()).isTrue();
            Map<String, String> cookies = with(r);
            EntityExchangeResult<String> page = client.get().uri("/login").cookies(c -> cookies.forEach(c::add))
                    .exchange().expectStatus().isOk().expectBody(String.class).returnResult();
            return new Session(new Session(cookies, csrf).with(page), csrfOf(page.getResponseBody()));
        }

        WebTestClient.ResponseSpec get(WebTestClient client, String path) {
            return client.get().uri(path).cookies(c -> cookies.forEach(c::add)).exchange();
        }

        WebTestClient.ResponseSpec post(WebTestClient client, String path, boolean withToken) {
            MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
            if (withToken) {
                form.add("_csrf", csrf);
            }
            return client.post().uri(path).cookies(c -> cookies.forEach(c::add)).body(BodyInserters.fromFormData(form))
                    .exchange();
        }

        WebTestClient.ResponseSpec form(WebTestClient client, String path, String... pairs) {
            MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
            for (int i = 0; i < pairs.length; i += 2) {
                form.add(pairs[i], pairs[i + 1]);
            }
            form.add("_csrf", csrf);
            return client.post().uri(path).cookies(c -> cookies.forEach(c::add)).body(BodyInserters.fromFormData(form))
                    .exchange();
        }
    }
}
