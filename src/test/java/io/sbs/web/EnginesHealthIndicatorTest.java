package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.cluster.EngineCluster;
import io.sbs.config.BoundSettings;
import io.sbs.config.SbsProperties;
import io.sbs.enginesim.DecodeSimServer;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.EngineProfile;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The engines' health over real HTTP: live engine simulators and a port nothing listens on. */
class EnginesHealthIndicatorTest {

    private static final EngineProfile PROFILE = ProfileLoader.load("src/test/resources/test-profiles/realtime.json");

    private final EngineSimServer prefill = new EngineSimServer("p", PROFILE, 0, 1, null, null);
    private final DecodeSimServer decode = new DecodeSimServer("d", PROFILE, 0);
    private EngineCluster cluster;

    @AfterEach
    void stop() {
        cluster.close();
        prefill.close();
        decode.close();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Health health(SbsProperties.Instance... instances) {
        Map<String, String> settings = new HashMap<>();
        for (int i = 0; i < instances.length; i++) {
            SbsProperties.Instance instance = instances[i];
            String at = "sbs.instances[" + i + "].";
            settings.putAll(Map.of(at + "id", instance.id(), at + "url", instance.url(), at + "kind", instance.kind(),
                    at + "role", instance.role(), at + "dp-units", Integer.toString(instance.dpUnits()),
                    at + "chunk-tokens", Integer.toString(instance.chunkTokens())));
        }
        cluster = new EngineCluster(BoundSettings.sbs(settings), null);
        return new EnginesHealthIndicator(cluster).health().block(Duration.ofSeconds(10));
    }

    private SbsProperties.Instance instance(String id, int port, String role) {
        return new SbsProperties.Instance(id, "http://127.0.0.1:" + port, "sglang", role, 2, 1024, 0, 0);
    }

    @Test
    void upWhileAPrefillAndADecodeInstanceAnswer_evenWithOneInstanceDown() throws IOException {
        Health h = health(instance("p0", prefill.port(), "prefill"), instance("p1", closedPort(), "prefill"),
                instance("d0", decode.port(), "decode"));
        assertThat(h.getStatus()).isEqualTo(Status.UP);
        assertThat(h.getDetails()).containsEntry("p0", "UP").containsEntry("d0", "UP");
        assertThat((String) h.getDetails().get("p1")).startsWith("DOWN");
    }

    @Test
    void downWhenNoDecodeInstanceAnswers() throws IOException {
        Health h = health(instance("p0", prefill.port(), "prefill"), instance("d0", closedPort(), "decode"));
        assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    }

    @Test
    void downWhenTheOnlyPrefillInstanceRefuses() throws Exception {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prefill.port() + "/faults"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"refuse\":true}")).build(), HttpResponse.BodyHandlers.discarding());
        Health h = health(instance("p0", prefill.port(), "prefill"));
        assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    }
}
