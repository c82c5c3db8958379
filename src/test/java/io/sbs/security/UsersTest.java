package io.sbs.security;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

class UsersTest {

    private final PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    private MapReactiveUserDetailsService users(SecurityProperties properties, Map<String, String> env) {
        return Users.of(properties, env::get, encoder, new PrintStream(console, true, StandardCharsets.UTF_8));
    }

    private static UserDetails find(MapReactiveUserDetailsService users, String name) {
        return users.findByUsername(name).block(Duration.ofSeconds(1));
    }

    private static List<String> roles(UserDetails u) {
        return u.getAuthorities().stream().map(GrantedAuthority::getAuthority).toList();
    }

    @Test
    void embeddedDefault_passwordsFromTheEnvironment_areHashedAndNothingIsPrinted() {
        MapReactiveUserDetailsService users = users(new SecurityProperties(null, null, null),
                Map.of(Users.VIEWER_PASSWORD, "v-secret", Users.OPERATOR_PASSWORD, "o-secret"));

        UserDetails viewer = find(users, "viewer");
        UserDetails operator = find(users, "operator");
        assertThat(viewer.getPassword()).startsWith("{bcrypt}").doesNotContain("v-secret");
        assertThat(encoder.matches("v-secret", viewer.getPassword())).isTrue();
        assertThat(encoder.matches("o-secret", operator.getPassword())).isTrue();
        assertThat(roles(viewer)).containsExactly("ROLE_VIEWER");
        assertThat(roles(operator)).containsExactly("ROLE_OPERATOR");
        assertThat(console.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void embeddedDefault_unsetPassword_isGeneratedAndPrintedOnce() {
        MapReactiveUserDetailsService users = users(new SecurityProperties(null, null, null),
                Map.of(Users.VIEWER_PASSWORD, "v-secret"));

        String out = console.toString(StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("operator \\(OPERATOR\\): (\\S+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        String generated = m.group(1);
        assertThat(generated).hasSize(24);
        assertThat(out.split(Pattern.quote(generated), -1)).as("printed exactly once").hasSize(2);
        assertThat(out).doesNotContain("v-secret").doesNotContain("viewer (VIEWER)");
        assertThat(encoder.matches(generated, find(users, "operator").getPassword())).isTrue();
    }

    @Test
    void generatedPasswords_differ() {
        assertThat(Users.generate()).isNotEqualTo(Users.generate());
    }

    @Test
    void configuredUsers_replaceTheEmbeddedOnes() {
        SecurityProperties properties = new SecurityProperties(List.of(
                new SecurityProperties.User("alice", encoder.encode("a-secret"), List.of("OPERATOR", "VIEWER"))), null, null);
        MapReactiveUserDetailsService users = users(properties, Map.of());

        assertThat(find(users, "viewer")).isNull();
        assertThat(roles(find(users, "alice"))).containsExactlyInAnyOrder("ROLE_OPERATOR", "ROLE_VIEWER");
        assertThat(console.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void configuration_refusesPlainPasswordsUnknownRolesAndShortTokens_withoutRepeatingTheSecret() {
        assertThat(violations(new SecurityProperties.User("bob", "plain", List.of("VIEWER"))))
                .containsExactly("password must name its encoder, e.g. {bcrypt}$2a$10$... or {noop}secret");
        assertThat(violations(new SecurityProperties.User("bob", "{noop}x", List.of("ADMIN"))))
                .containsExactly("roles[0].<list element> must be VIEWER, OPERATOR or ENGINE");
        assertThat(violations(new SecurityProperties.User("bob", "{noop}x", List.of())))
                .containsExactly("roles must name at least one of VIEWER, OPERATOR, ENGINE");
        assertThat(violations(new SecurityProperties.ApiToken("ci", "short", List.of("VIEWER"))))
                .containsExactly("token must have at least 16 characters");
        assertThat(violations(new SecurityProperties.User("bob", "{noop}x", List.of("VIEWER")))).isEmpty();
        assertThat(new SecurityProperties.User("bob", "{noop}hidden", List.of("VIEWER")).toString())
                .doesNotContain("hidden");
    }

    /** What the start would refuse (the binder checks the same constraints), as "path message". */
    private static List<String> violations(Object settings) {
        try (ValidatorFactory factory = Validation.buildDefaultValidatorFactory()) {
            return factory.getValidator().validate(settings).stream()
                    .map(v -> v.getPropertyPath() + " " + v.getMessage()).toList();
        }
    }
}
