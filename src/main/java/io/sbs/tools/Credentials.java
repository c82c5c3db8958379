package io.sbs.tools;

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

    static final String OPERATOR = "operator";

    private final String engineToken;
    private final String viewerPassword;
    private final String operatorPassword;
    private final String viewerToken;

    private Credentials(String engineToken, String viewerPassword, String operatorPassword, String viewerToken) {
        this.engineToken = engineToken;
        this.viewerPassword = viewerPassword;
        this.operatorPassword = operatorPassword;
        this.viewerToken = viewerToken;
    }

    public static Credentials random() {
        SecureRandom random = new SecureRandom();
        return new Credentials(secret(random), secret(random), secret(random), secret(random));
    }

    private static String secret(SecureRandom random) {
        byte[] b = new byte[24];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * What the dispatchers and engines read from their environment; with the viewer's password, a viewer API
     * token ({@code sbs.security.api-tokens[0]}) for the drill's own reads.
     */
    public Map<String, String> environment() {
        return Map.of("SBS_ENGINE_TOKEN", engineToken, "SBS_VIEWER_PASSWORD", viewerPassword,
                "SBS_OPERATOR_PASSWORD", operatorPassword, "SBS_SECURITY_APITOKENS_0_NAME", "chaos-reader",
                "SBS_SECURITY_APITOKENS_0_TOKEN", viewerToken, "SBS_SECURITY_APITOKENS_0_ROLES", "VIEWER");
    }

    /**
     * {@code Authorization} for reads (actuator, admin GETs): the viewer's API token. A drill polls a node
     * every 10 ms around a fault; with the password each poll would cost the node a bcrypt check, tens to
     * hundreds of milliseconds of its CPU on a busy host, which the figures timed at an answer would count.
     */
    public String viewerAuthorization() {
        return "Bearer " + viewerToken;
    }

    /** {@code Authorization} for admin writes. */
    public String operatorAuthorization() {
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
