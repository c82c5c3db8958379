package io.sbs.cluster;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.config.BoundSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A decision for an instance this node never follows fails as an {@link UnknownInstanceException}, which
 * the ingress answers 503 with {@code Retry-After}, not as an unclassified error (a 500).
 */
class EngineClusterKnownTest {

    @Test
    void known_anInstanceNeverRegistered_failsAsUnknownInstance_afterTheWait() {
        Map<String, String> settings = Map.of("sbs.instances[0].id", "p0", "sbs.instances[0].url", "http://127.0.0.1:9",
                "sbs.instances[0].kind", "sglang", "sbs.instances[0].dp-units", "1", "sbs.instances[0].chunk-tokens", "1024");
        try (EngineCluster cluster = new EngineCluster(BoundSettings.sbs(settings), null)) {
            cluster.known("p0", Duration.ofMillis(200)).block(Duration.ofSeconds(5));
            assertThatThrownBy(() -> cluster.known("nobody", Duration.ofMillis(200)).block(Duration.ofSeconds(5)))
                    .isInstanceOf(UnknownInstanceException.class).hasMessage("unknown instance: nobody");
        }
    }
}
