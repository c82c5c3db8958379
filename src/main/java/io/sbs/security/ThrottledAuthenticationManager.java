package io.sbs.security;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UserDetailsRepositoryReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Name-and-password logins (the dashboard's form, HTTP basic on the API) with two defences in front of
 * Spring's check: too many failures for the user or from the address ({@link LoginAttempts}) refuse the
 * login without checking the password ({@link LoginThrottledException}); and an unknown user name is
 * checked against a decoy hash, so it costs the password encoder's time like a known one and the answer's
 * timing does not tell which names exist (Spring's reactive manager answers an unknown name at once).
 *
 * <p>The client's address comes from the exchange Spring Security keeps in the Reactor context; behind a
 * proxy it is the proxy's unless {@code server.forward-headers-strategy} is set (docs/operations.md).
 */
final class ThrottledAuthenticationManager implements ReactiveAuthenticationManager {

    private static final Logger log = LoggerFactory.getLogger(ThrottledAuthenticationManager.class);
    private static final String DECOY = "unknown-user";

    private final ReactiveAuthenticationManager delegate;
    private final LoginAttempts attempts;

    ThrottledAuthenticationManager(ReactiveUserDetailsService users, PasswordEncoder encoder, LoginAttempts attempts) {
        // a password nobody knows, encoded once with the encoder's defaults: matching against it takes as long
        // as against a real user's hash, and never succeeds
        String decoyHash = encoder.encode(Users.generate());
        ReactiveUserDetailsService withDecoy = name -> users.findByUsername(name)
                .switchIfEmpty(Mono.fromSupplier(() -> User.withUsername(DECOY).password(decoyHash)
                        .authorities(List.of()).build()));
        UserDetailsRepositoryReactiveAuthenticationManager spring =
                new UserDetailsRepositoryReactiveAuthenticationManager(withDecoy);
        spring.setPasswordEncoder(encoder);
        this.delegate = spring;
        this.attempts = attempts;
    }

    @Override
    public Mono<Authentication> authenticate(Authentication authentication) {
        String user = authentication.getName() == null ? "" : authentication.getName();
        return Mono.deferContextual(context -> {
            String address = context.<ServerWebExchange>getOrEmpty(ServerWebExchange.class)
                    .map(ThrottledAuthenticationManager::address).orElse(null);
            Duration blocked = attempts.blockedFor(user, address);
            if (!blocked.isZero()) {
                // the name is not logged: people type passwords into it
                log.warn("login from {} refused unchecked: too many failed logins for the user or the address",
                        address);
                return Mono.error(new LoginThrottledException(blocked));
            }
            return delegate.authenticate(authentication)
                    .doOnError(BadCredentialsException.class, e -> attempts.failed(user, address));
        });
    }

    private static @Nullable String address(ServerWebExchange exchange) {
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        return remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
    }
}
