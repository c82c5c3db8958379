package io.sbs.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.util.List;
import org.hibernate.validator.constraints.time.DurationMin;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Users and API tokens ({@code sbs.security.*}). With no users configured, the embedded default creates
 * {@code viewer} and {@code operator} (passwords from {@code SBS_VIEWER_PASSWORD} and
 * {@code SBS_OPERATOR_PASSWORD}, or generated and printed once at start). The engine token stays
 * {@code sbs.engine-token}.
 *
 * @param users         people and scripts that log in with a name and password (basic auth on the API, the
 *                      login form on the dashboard)
 * @param apiTokens     bearer tokens for the admin API, for scripts that should not hold a password
 * @param loginAttempts how many failed logins are checked before further ones are refused unchecked
 */
@Validated
@ConfigurationProperties(prefix = SecurityProperties.PREFIX)
public record SecurityProperties(@Nullable List<@Valid User> users, @Nullable List<@Valid ApiToken> apiTokens,
        @DefaultValue @Valid LoginLimits loginAttempts) {

    public static final String PREFIX = "sbs.security";

    // DelegatingPasswordEncoder's form: the encoder's id in braces, then the encoded password
    private static final String ENCODED = "^\\{[A-Za-z0-9_.-]+}.+";

    private static final String ROLE = Roles.VIEWER + "|" + Roles.OPERATOR + "|" + Roles.ENGINE;

    public SecurityProperties {
        // absent, not invalid: the binder leaves an unset list null
        users = users == null ? List.of() : List.copyOf(users);
        apiTokens = apiTokens == null ? List.of() : List.copyOf(apiTokens);
    }

    /**
     * Failed logins ({@code sbs.security.login-attempts.*}): past {@code perUser} failures for one user name,
     * or {@code perAddress} from one client address, within {@code window}, further logins are refused
     * without checking the password (429 on the API, the login page says so) until the window ends.
     *
     * @param perUser    failures per user name per window
     * @param perAddress failures per client address per window (several people behind one address mistype too)
     * @param window     the window, counted from a key's first failure
     */
    public record LoginLimits(
            @DefaultValue("50") @Positive int perUser,
            @DefaultValue("200") @Positive int perAddress,
            @DefaultValue("1m") @DurationMin(nanos = 1, message = "must be positive") Duration window) {
    }

    /**
     * @param name     the login name
     * @param password the encoded password with its encoder's id: {bcrypt}$2a$10$... (recommended;
     *                 htpasswd -bnBC 10 "" secret or Spring's BCryptPasswordEncoder make
     *                 one), or {noop}secret for tests; never logged
     * @param roles    any of VIEWER, OPERATOR, ENGINE
     */
    public record User(
            @NotBlank String name,
            @NotNull @Pattern(regexp = ENCODED, message = "must name its encoder, e.g. \\{bcrypt\\}$2a$10$... or "
                    + "\\{noop\\}secret") String password,
            @NotEmpty(message = "must name at least one of VIEWER, OPERATOR, ENGINE")
                    List<@Pattern(regexp = ROLE, message = "must be VIEWER, OPERATOR or ENGINE") String> roles) {

        @Override
        public String toString() {
            return "User[name=" + name + ", roles=" + roles + "]";
        }
    }

    /**
     * @param name  the token's name, for the audit trail
     * @param token at least 16 characters; from the environment or a mounted secret, never from a file in
     *              the repository; never logged
     * @param roles any of VIEWER, OPERATOR, ENGINE
     */
    public record ApiToken(
            @NotBlank String name,
            @NotNull @Size(min = 16, message = "must have at least 16 characters") String token,
            @NotEmpty(message = "must name at least one of VIEWER, OPERATOR, ENGINE")
                    List<@Pattern(regexp = ROLE, message = "must be VIEWER, OPERATOR or ENGINE") String> roles) {

        @Override
        public String toString() {
            return "ApiToken[name=" + name + ", roles=" + roles + "]";
        }
    }
}
