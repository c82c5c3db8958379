package io.sbs.security;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
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
public record SecurityProperties(List<User> users, List<ApiToken> apiTokens, @Nullable LoginLimits loginAttempts) {

    public static final String PREFIX = "sbs.security";

    // DelegatingPasswordEncoder's form: the encoder's id in braces, then the encoded password
    private static final Pattern ENCODED = Pattern.compile("^\\{[A-Za-z0-9_.-]+}.+");

    public SecurityProperties {
        users = users == null ? List.of() : List.copyOf(users);
        apiTokens = apiTokens == null ? List.of() : List.copyOf(apiTokens);
        loginAttempts = loginAttempts == null ? new LoginLimits(0, 0, null) : loginAttempts;
    }

    /**
     * Failed logins ({@code sbs.security.login-attempts.*}): past {@code perUser} failures for one user name,
     * or {@code perAddress} from one client address, within {@code window}, further logins are refused
     * without checking the password (429 on the API, the login page says so) until the window ends.
     *
     * @param perUser    failures per user name per window (default 50)
     * @param perAddress failures per client address per window (default 200: several people behind one
     *                   address mistype too)
     * @param window     the window, counted from a key's first failure (default one minute)
     */
    public record LoginLimits(int perUser, int perAddress, @Nullable Duration window) {

        public LoginLimits {
            perUser = perUser <= 0 ? 50 : perUser;
            perAddress = perAddress <= 0 ? 200 : perAddress;
            window = window == null || window.isNegative() || window.isZero() ? Duration.ofMinutes(1) : window;
        }
    }

    /**
     * @param password the encoded password with its encoder's id: {@code {bcrypt}$2a$10$...} (recommended;
     *                 {@code htpasswd -bnBC 10 "" secret} or Spring's {@code BCryptPasswordEncoder} make
     *                 one), or {@code {noop}secret} for tests; never logged
     * @param roles    any of {@code VIEWER}, {@code OPERATOR}, {@code ENGINE}
     */
    public record User(String name, String password, List<String> roles) {

        public User {
            name = required(name, "sbs.security.users[].name");
            if (password == null || !ENCODED.matcher(password).matches()) {
                throw new IllegalArgumentException("sbs.security.users[" + name + "].password must name its encoder, "
                        + "e.g. {bcrypt}$2a$10$... or {noop}secret");
            }
            roles = checkedRoles("sbs.security.users[" + name + "].roles", roles);
        }

        @Override
        public String toString() {
            return "User[name=" + name + ", roles=" + roles + "]";
        }
    }

    /**
     * @param token at least 16 characters; from the environment or a mounted secret, never from a file in
     *              the repository; never logged
     */
    public record ApiToken(String name, String token, List<String> roles) {

        public ApiToken {
            name = required(name, "sbs.security.api-tokens[].name");
            if (token == null || token.length() < 16) {
                throw new IllegalArgumentException("sbs.security.api-tokens[" + name + "].token must have at least "
                        + "16 characters");
            }
            roles = checkedRoles("sbs.security.api-tokens[" + name + "].roles", roles);
        }

        @Override
        public String toString() {
            return "ApiToken[name=" + name + ", roles=" + roles + "]";
        }
    }

    private static String required(@Nullable String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(key + " is required");
        }
        return value;
    }

    private static List<String> checkedRoles(String key, @Nullable List<String> roles) {
        if (roles == null || roles.isEmpty()) {
            throw new IllegalArgumentException(key + " must name at least one of " + Roles.ALL);
        }
        for (String r : roles) {
            if (!Roles.ALL.contains(r)) {
                throw new IllegalArgumentException(key + ": unknown role '" + r + "', known: " + Roles.ALL);
            }
        }
        return List.copyOf(roles);
    }
}
