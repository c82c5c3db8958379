package io.sbs.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.security.SecuredPlatform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/openapi.json is the document the running app serves at {@code /v3/api-docs}, so it cannot go
 * stale: when the API changes, this test fails until the file is regenerated with
 * {@code mvn verify -Dtest=None -Dit.test=OpenApiDocumentIT -Dsbs.openapi.write=true}.
 */
@SecuredPlatform
class OpenApiDocumentIT {

    private static final Path FILE = Path.of("docs/openapi.json");
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @LocalServerPort
    int port;

    @Test
    void docsOpenApiJson_isWhatTheAppServes() throws IOException {
        String served = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(20)).build()
                .get().uri("/v3/api-docs").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        JsonNode document = JSON.readTree(served);
        String pretty = JSON.writeValueAsString(document) + "\n";
        if (Boolean.getBoolean("sbs.openapi.write")) {
            Files.writeString(FILE, pretty, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(FILE, StandardCharsets.UTF_8))
                .as("docs/openapi.json is stale: regenerate it with mvn verify -Dtest=None -Dit.test=OpenApiDocumentIT "
                        + "-Dsbs.openapi.write=true")
                .isEqualTo(pretty);

        // what the document must say, whatever springdoc's layout
        assertThat(document.path("paths").propertyNames()).contains("/api/v1/cluster", "/api/v1/leader",
                "/api/v1/policies", "/api/v1/policies/audit", "/api/v1/instances", "/api/v1/instances/{id}",
                "/api/v1/instances/{id}/drain", "/api/v1/interval", "/api/v1/interval/override");
        assertThat(document.path("paths").propertyNames()).allMatch(p -> p.startsWith("/api/v1/"));
        assertThat(document.path("paths").path("/api/v1/policies").propertyNames()).contains("get", "put", "patch");
        assertThat(document.path("components").path("schemas").path("Policy").path("properties").propertyNames())
                .hasSize(PolicyFields.ALL.size());
        assertThat(document.path("components").path("securitySchemes").propertyNames()).contains("basic", "bearer");
    }
}
