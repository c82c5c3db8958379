package io.sbs.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Who calls, as the {@code Authorization} header says it on a {@link SecuredPlatform}. */
public enum Caller {
    ANONYMOUS(null),
    VIEWER(basic("viewer", SecuredPlatform.VIEWER_PASSWORD)),
    OPERATOR(basic("operator", SecuredPlatform.OPERATOR_PASSWORD)),
    ENGINE("Bearer " + SecuredPlatform.ENGINE_TOKEN);

    private final String authorization;

    Caller(String authorization) {
        this.authorization = authorization;
    }

    /** A client of the dispatcher on {@code port}, over real HTTP, waiting at most 20 s for an answer. */
    public static WebTestClient client(int port) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20))
                .build();
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The request with this caller's credentials, if any. */
    public <S extends WebTestClient.RequestHeadersSpec<?>> S as(S request) {
        if (authorization != null) {
            request.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        return request;
    }
}
