package io.sbs.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/** Failed logins are counted per user and per address, and past the limit the password is not checked. */
class ThrottledAuthenticationManagerTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    /** Plain-text passwords, counting every check, so a test sees whether a password was checked at all. */
    private static final class CountingEncoder implements PasswordEncoder {
        final AtomicInteger checks = new AtomicInteger();

        @Override
        public String encode(CharSequence raw) {
            return raw.toString();
        }

        @Override
        public boolean matches(CharSequence raw, String encoded) {
            checks.incrementAndGet();
            return raw.toString().equals(encoded);
        }
    }

    private final CountingEncoder encoder = new CountingEncoder();
    private final ThrottledAuthenticationManager logins = new ThrottledAuthenticationManager(
            new MapReactiveUserDetailsService(User.withUsername("alice").password("right").roles("VIEWER").build(),
                    User.withUsername("bob").password("bobs").roles("VIEWER").build()),
            encoder, new LoginAttempts(50, 200, Duration.ofMinutes(1)));

    private Mono<Authentication> login(String user, String password, String address) {
        ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/login")
                .remoteAddress(new InetSocketAddress(address, 40_000)));
        return logins.authenticate(UsernamePasswordAuthenticationToken.unauthenticated(user, password))
                .contextWrite(Context.of(ServerWebExchange.class, exchange));
    }

    @Test
    void fiftyFirstWrongPassword_forAUser_isRefusedWithoutCheckingIt_evenTheRightOne() {
        for (int i = 0; i < 50; i++) {
            StepVerifier.create(login("alice", "guess-" + i, "10.0.0." + i)).expectError(BadCredentialsException.class)
                    .verify(BOUND);
        }
        int checked = encoder.checks.get();

        StepVerifier.create(login("alice", "guess-51", "10.0.1.1")).expectError(LoginThrottledException.class)
                .verify(BOUND);
        StepVerifier.create(login("ALICE", "right", "10.0.1.2")).expectErrorSatisfies(e -> assertThat(e)
                .isInstanceOf(LoginThrottledException.class)
                .satisfies(x -> assertThat(((LoginThrottledException) x).retryAfterSeconds()).isBetween(1L, 60L)))
                .verify(BOUND);
        assertThat(encoder.checks.get()).as("no password checked past the limit").isEqualTo(checked);
        // another user is not held up by alice's guesser
        StepVerifier.create(login("bob", "bobs", "10.0.1.3")).expectNextCount(1).expectComplete().verify(BOUND);
    }

    @Test
    void anAddress_pastItsLimit_isRefusedForEveryUser() {
        for (int i = 0; i < 200; i++) {
            StepVerifier.create(login("user-" + i, "x", "192.0.2.7")).expectError(BadCredentialsException.class)
                    .verify(BOUND);
        }
        StepVerifier.create(login("bob", "bobs", "192.0.2.7")).expectError(LoginThrottledException.class).verify(BOUND);
        StepVerifier.create(login("bob", "bobs", "192.0.2.8")).expectNextCount(1).expectComplete().verify(BOUND);
    }

    @Test
    void unknownUser_costsAPasswordCheck_likeAKnownOne() {
        StepVerifier.create(login("nobody", "x", "10.0.0.1")).expectError(BadCredentialsException.class).verify(BOUND);
        StepVerifier.create(login("alice", "x", "10.0.0.1")).expectError(BadCredentialsException.class).verify(BOUND);
        assertThat(encoder.checks.get()).isEqualTo(2);
    }
}
