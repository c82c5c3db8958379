package io.sbs.chaos;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * The secrets of one drill, drawn at random when it starts and handed to the children through their
 * environment only: never on a command line (process lists show it), never in a log or a summary.
 * {@code toString} hides them.
 */
public final class Credentials {

    static final String VIEWER = "viewer";
    static final String OPERATOR = "operator";

    private final String engineToken;
    private final String viewerPassword;
    private final String operatorPassword;

    private Credentials(String engineToken, String viewerPassword, String operatorPassword) {
        this.engineToken = engineToken;
        this.viewerPassword = viewerPassword;
        this.operatorPassword = operatorPassword;
    }

    public static Credentials random() {
        SecureRandom random = new SecureRandom();
        return new Credentials(secret(random), secret(random), secret(random));
    }

    private static String secret(SecureRandom random) {
        byte[] b = new byte[24];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** What the dispatchers and engines read from their environment. */
    public Map<String, String> environment() {
        return Map.of("SBS_ENGINE_TOKEN", engineToken, "SBS_VIEWER_PASSWORD", viewerPassword,
                "SBS_OPERATOR_PASSWORD", operatorPassword);
    }

    /** {@code Authorization} for reads (actuator, admin GETs). */
    String viewerAuthorization() {
        return basic(VIEWER, viewerPassword);
    }

    /** {@code Authorization} for admin writes. */
    String operatorAuthorization() {
        return basic(OPERATOR, operatorPassword);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[hidden]";
    }
}
