package io.sbs.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code Authorization: Bearer <token>}: the engine token ({@code sbs.engine-token}, role {@code ENGINE})
 * and the configured API tokens. Tokens are compared as SHA-256 digests in constant time, every known
 * token each time, so neither the comparison nor which token matched shows in the answer's timing.
 */
final class BearerTokens implements ServerAuthenticationConverter, ReactiveAuthenticationManager {

    /** The principal name of the engine token. */
    static final String ENGINE_PRINCIPAL = "engine";

    private record Known(String name, byte[] digest, List<GrantedAuthority> authorities) {
    }

    /** A presented token, not yet checked. */
    private static final class Presented extends AbstractAuthenticationToken {
        private static final long serialVersionUID = 1L;
        private final String token;

        Presented(String token) {
            super(List.of());
            this.token = token;
        }

        @Override
        public Object getCredentials() {
            return token;
        }

        @Override
        public Object getPrincipal() {
            return "bearer";
        }
    }

    private final List<Known> known = new ArrayList<>();

    BearerTokens(@Nullable String engineToken, List<SecurityProperties.ApiToken> apiTokens) {
        if (engineToken != null && !engineToken.isEmpty()) {
            known.add(new Known(ENGINE_PRINCIPAL, digest(engineToken), authorities(List.of(Roles.ENGINE))));
        }
        for (SecurityProperties.ApiToken t : apiTokens) {
            known.add(new Known(t.name(), digest(t.token()), authorities(t.roles())));
        }
    }

    static List<GrantedAuthority> authorities(List<String> roles) {
        return AuthorityUtils.createAuthorityList(roles.stream().map(r -> "ROLE_" + r).toArray(String[]::new));
    }

    @Override
    public Mono<Authentication> convert(ServerWebExchange exchange) {
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null || header.length() <= 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Mono.empty();
        }
        return Mono.just(new Presented(header.substring(7).trim()));
    }

    @Override
    public Mono<Authentication> authenticate(Authentication authentication) {
        byte[] presented = digest((String) authentication.getCredentials());
        Known match = null;
        for (Known k : known) {
            if (MessageDigest.isEqual(k.digest(), presented) && match == null) {
                match = k;
            }
        }
        if (match == null) {
            return Mono.error(new BadCredentialsException("unknown bearer token"));
        }
        return Mono.just(UsernamePasswordAuthenticationToken.authenticated(match.name(), null, match.authorities()));
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
