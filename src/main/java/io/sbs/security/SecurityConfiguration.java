package io.sbs.security;

import io.sbs.config.SbsProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationFailureHandler;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationSuccessHandler;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.authentication.ServerAuthenticationFailureHandler;
import org.springframework.security.web.server.authentication.logout.RedirectServerLogoutSuccessHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.csrf.CookieServerCsrfTokenRepository;
import org.springframework.security.web.server.header.HttpHeaderWriterWebFilter;
import org.springframework.security.web.server.header.StaticServerHttpHeadersWriter;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The three filter chains, tried in order: the inference ingress (open), the stateless machine surface
 * (admin API, EndForward push, Actuator, the OpenAPI document), and the dashboard (form login, session,
 * CSRF). docs/operations.md and docs/api.md list who may call what.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
@EnableConfigurationProperties(SecurityProperties.class)
class SecurityConfiguration {

    private static final String[] PUBLIC_ACTUATOR = {"/actuator/health", "/actuator/health/**", "/actuator/info",
        "/actuator/prometheus"};
    private static final String[] STATIC = {"/css/**", "/js/**", "/webjars/**", "/img/**", "/favicon.ico"};
    /**
     * The dashboard's pages load scripts, styles and images from the dispatcher alone and talk only to it (the
     * live feed, the policy forms); nothing inline runs. Style attributes stay allowed: ECharts draws its
     * tooltips' markers with them, and the tile rows set their column count so.
     */
    static final String DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
            + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    MapReactiveUserDetailsService userDetailsService(SecurityProperties properties, Environment environment,
            PasswordEncoder encoder) {
        return Users.of(properties, environment::getProperty, encoder, System.out);
    }

    /** Name-and-password logins of both chains, with one count of failures (docs/operations.md, Security). */
    @Bean
    ThrottledAuthenticationManager passwordLogins(MapReactiveUserDetailsService users, PasswordEncoder encoder,
            SecurityProperties properties) {
        SecurityProperties.LoginLimits limits = properties.loginAttempts();
        return new ThrottledAuthenticationManager(users, encoder,
                new LoginAttempts(limits.perUser(), limits.perAddress(), limits.window()));
    }

    /**
     * The ingress ({@code /v1/**}) stays open: clients authenticate at their gateway, and a request path
     * that runs thousands of times a second carries one security filter only, for the security headers (a
     * permit-all chain built by {@link ServerHttpSecurity} would run eight per request: context, anonymous,
     * authorization and their kin). The completions and the model list are served by Reactor Netty routes
     * outside WebFlux (io.sbs.web.InferenceRoutes), which write the same headers; this chain covers the rest
     * of {@code /v1/**} (404, 405).
     */
    @Bean
    @Order(1)
    SecurityWebFilterChain ingressChain() {
        ServerWebExchangeMatcher ingress = ServerWebExchangeMatchers.pathMatchers("/v1/**");
        // one filter, writing fixed headers as the answer commits: the answers are JSON or event streams for
        // programs, never pages, so nothing may sniff, frame, cache or run them
        WebFilter headers = new HttpHeaderWriterWebFilter(StaticServerHttpHeadersWriter.builder()
                .header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "DENY")
                .header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-store")
                .build());
        return new SecurityWebFilterChain() {
            @Override
            public Mono<Boolean> matches(ServerWebExchange exchange) {
                return ingress.matches(exchange).map(ServerWebExchangeMatcher.MatchResult::isMatch);
            }

            @Override
            public Flux<WebFilter> getWebFilters() {
                return Flux.just(headers);
            }
        };
    }

    /**
     * Spring Security observes every filter of every chain by default, two observations per request
     * even on a chain without filters; Spring's {@code http.server.requests} already times each request.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    /**
     * Machines: every request carries its credentials (basic, or a bearer token), nothing is kept between
     * requests, and so there is no session for a forged cross-site request to ride on and no need for CSRF
     * tokens. Refusals are problem details, never a redirect to the login page.
     */
    @Bean
    @Order(2)
    SecurityWebFilterChain apiChain(ServerHttpSecurity http, SbsProperties sbs, SecurityProperties properties,
            ServerCodecConfigurer codecs, ThrottledAuthenticationManager passwordLogins) {
        ProblemResponses problems = new ProblemResponses(codecs);
        BearerTokens tokens = new BearerTokens(sbs.engineToken(), properties.apiTokens());
        boolean engineTokenSet = sbs.engineToken() != null && !sbs.engineToken().isEmpty();
        ServerAuthenticationEntryPoint api = problems.unauthorized("Basic realm=\"sbs\", Bearer realm=\"sbs\"",
                "authentication required: HTTP basic or a bearer token");
        ServerAuthenticationEntryPoint engine = problems.unauthorized("Bearer realm=\"sbs\"",
                "a valid engine token is required");
        ServerAuthenticationEntryPoint entryPoint = (exchange, e) -> e instanceof LoginThrottledException throttled
                ? problems.tooManyLogins(exchange, throttled)
                : (exchange.getRequest().getPath().value().startsWith("/internal/") ? engine : api).commence(exchange, e);

        AuthenticationWebFilter bearer = new AuthenticationWebFilter(tokens);
        bearer.setServerAuthenticationConverter(tokens);
        bearer.setAuthenticationFailureHandler(new ServerAuthenticationEntryPointFailureHandler(entryPoint));
        bearer.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());

        return http.securityMatcher(ServerWebExchangeMatchers.pathMatchers("/api/**", "/internal/**", "/actuator",
                        "/actuator/**", "/v3/api-docs", "/v3/api-docs/**"))
                .authorizeExchange(a -> {
                    a.pathMatchers(PUBLIC_ACTUATOR).permitAll();
                    // the document describes the API, as docs/openapi.json in the repository does: nothing secret
                    a.pathMatchers("/v3/api-docs", "/v3/api-docs/**").permitAll();
                    // without a token, pushes are refused unless the operator opened them on purpose: a push
                    // steers Δ and the watchdog, so an open endpoint lets anyone who reaches it slow dispatch
                    if (engineTokenSet) {
                        a.pathMatchers(HttpMethod.POST, "/internal/v1/end-forward").hasRole(Roles.ENGINE);
                    } else if (sbs.enginePush().allowAnonymous()) {
                        a.pathMatchers(HttpMethod.POST, "/internal/v1/end-forward").permitAll();
                    }
                    a.pathMatchers(HttpMethod.GET, "/api/v1/**").hasAnyRole(Roles.VIEWER, Roles.OPERATOR);
                    a.pathMatchers(HttpMethod.HEAD, "/api/v1/**").hasAnyRole(Roles.VIEWER, Roles.OPERATOR);
                    a.pathMatchers("/api/v1/**").hasRole(Roles.OPERATOR);
                    a.anyExchange().denyAll();
                })
                .httpBasic(b -> b.authenticationManager(passwordLogins).authenticationEntryPoint(entryPoint))
                .addFilterAt(bearer, SecurityWebFiltersOrder.AUTHENTICATION)
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint).accessDeniedHandler(problems.forbidden()))
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .requestCache(c -> c.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .build();
    }

    /**
     * People in a browser: form login at {@code /login} (the page is the dashboard's), a session, and CSRF
     * tokens on every form, because the browser sends the session cookie with any request, forged or not.
     * Pages need {@code VIEWER}; anything that changes state ({@code POST}, {@code PUT}, {@code PATCH},
     * {@code DELETE} under {@code /dashboard}) needs {@code OPERATOR}.
     */
    @Bean
    @Order(3)
    SecurityWebFilterChain dashboardChain(ServerHttpSecurity http, ThrottledAuthenticationManager passwordLogins) {
        ServerAuthenticationFailureHandler wrong = new RedirectServerAuthenticationFailureHandler("/login?error");
        ServerAuthenticationFailureHandler locked = new RedirectServerAuthenticationFailureHandler("/login?locked");
        // the CSRF token lives in a cookie (double submit) rather than in a session, so the login page
        // creates no server-side session for anyone who merely looks at it; logging in does
        CookieServerCsrfTokenRepository csrfTokens = new CookieServerCsrfTokenRepository();
        csrfTokens.setCookieCustomizer(c -> c.sameSite("Lax"));
        return http
                .authorizeExchange(a -> a
                        .pathMatchers(STATIC).permitAll()
                        .pathMatchers("/login", "/error").permitAll()
                        .pathMatchers(HttpMethod.GET, "/dashboard", "/dashboard/**").hasAnyRole(Roles.VIEWER, Roles.OPERATOR)
                        .pathMatchers("/dashboard", "/dashboard/**").hasRole(Roles.OPERATOR)
                        .anyExchange().authenticated())
                .formLogin(f -> f.loginPage("/login").authenticationManager(passwordLogins)
                        .authenticationSuccessHandler(new RedirectServerAuthenticationSuccessHandler("/dashboard"))
                        .authenticationFailureHandler((exchange, e) -> (e instanceof LoginThrottledException ? locked : wrong)
                                .onAuthenticationFailure(exchange, e)))
                .logout(l -> l.logoutUrl("/logout").logoutSuccessHandler(loggedOut()))
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .csrf(c -> c.csrfTokenRepository(csrfTokens))
                .headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives(DASHBOARD_CSP)))
                .build();
    }

    private static RedirectServerLogoutSuccessHandler loggedOut() {
        RedirectServerLogoutSuccessHandler handler = new RedirectServerLogoutSuccessHandler();
        handler.setLogoutSuccessUrl(java.net.URI.create("/login?logout"));
        return handler;
    }
}
