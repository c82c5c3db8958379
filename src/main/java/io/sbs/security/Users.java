package io.sbs.security;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The people who may log in: the configured {@code sbs.security.users}, or, when none are configured, the
 * embedded default's {@code viewer} and {@code operator}. Their passwords come from
 * {@code SBS_VIEWER_PASSWORD} and {@code SBS_OPERATOR_PASSWORD}; an unset one is generated and printed once
 * to the console (standard output, not the logger, so no log shipper or file appender keeps it), and only
 * its hash is kept.
 */
final class Users {

    static final String VIEWER_PASSWORD = "SBS_VIEWER_PASSWORD";
    static final String OPERATOR_PASSWORD = "SBS_OPERATOR_PASSWORD";

    private static final SecureRandom RANDOM = new SecureRandom();

    private Users() {
    }

    /**
     * @param setting reads {@code SBS_VIEWER_PASSWORD} and {@code SBS_OPERATOR_PASSWORD} (the environment,
     *                or any other property source); null when unset
     * @param console where generated passwords are shown
     */
    static MapReactiveUserDetailsService of(SecurityProperties properties, Function<String, @Nullable String> setting,
            PasswordEncoder encoder, PrintStream console) {
        List<UserDetails> users = new ArrayList<>();
        if (!properties.users().isEmpty()) {
            for (SecurityProperties.User u : properties.users()) {
                users.add(User.withUsername(u.name()).password(u.password())
                        .authorities(BearerTokens.authorities(u.roles())).build());
            }
            return new MapReactiveUserDetailsService(users);
        }
        StringBuilder generated = new StringBuilder();
        users.add(embedded("viewer", Roles.VIEWER, setting.apply(VIEWER_PASSWORD), VIEWER_PASSWORD, encoder, generated));
        users.add(embedded("operator", Roles.OPERATOR, setting.apply(OPERATOR_PASSWORD), OPERATOR_PASSWORD, encoder,
                generated));
        if (!generated.isEmpty()) {
            console.println();
            console.println("SBS: no sbs.security.users configured; generated passwords, shown this once:");
            console.print(generated);
            console.println("Set SBS_VIEWER_PASSWORD and SBS_OPERATOR_PASSWORD (or sbs.security.users) to choose them.");
            console.println();
            console.flush();
        }
        return new MapReactiveUserDetailsService(users);
    }

    private static UserDetails embedded(String name, String role, @Nullable String configured, String variable,
            PasswordEncoder encoder, StringBuilder generated) {
        String password = configured;
        if (password == null || password.isEmpty()) {
            password = generate();
            generated.append("  ").append(name).append(" (").append(role).append("): ").append(password)
                    .append("   [").append(variable).append(" unset]").append(System.lineSeparator());
        }
        return User.withUsername(name).password(encoder.encode(password))
                .authorities(BearerTokens.authorities(List.of(role))).build();
    }

    /** 144 random bits, URL-safe, so it survives copying from a terminal into curl. */
    static String generate() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
