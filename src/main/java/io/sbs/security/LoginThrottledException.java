package io.sbs.security;

import java.time.Duration;
import org.springframework.security.core.AuthenticationException;

/** A login refused without checking its password: too many failed logins for the user or the address. */
final class LoginThrottledException extends AuthenticationException {

    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    LoginThrottledException(Duration retryAfter) {
        super("too many failed logins; try again in " + Math.max(1, retryAfter.toSeconds()) + " s");
        this.retryAfter = retryAfter;
    }

    /** How long until a login is checked again (whole seconds, at least one, for {@code Retry-After}). */
    long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
