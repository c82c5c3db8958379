package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The live output-length predictor ({@code sbs.decode.output-length=predicted}) learns from what the engines
 * answered, over real HTTP to the embedded engine simulators: a whole answer's usage, a stream's usage chunk,
 * and a stream without usage counted chunk by chunk (one token each, as SGLang and vLLM stream by default).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"sbs.embedded.demo-qps=0",
    "sbs.decode.output-length=predicted"})
class OutputLengthLearningIT {

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry registry;

    private void send(String extra) {
        WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20)).build()
                .post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"sbs\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]" + extra + "}")
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult();
    }

    @Test
    void finishedRequests_teachThePredictor_theirOutputTokens_fromUsageOrStreamedChunks() {
        DistributionSummary learned = registry.get("sbs.decode.output.tokens").summary();
        assertThat(learned.count()).isZero();

        send(",\"max_tokens\":3");
        send(",\"max_tokens\":4,\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        send(",\"max_tokens\":5,\"stream\":true");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(learned.count()).isEqualTo(3));
        assertThat(learned.totalAmount()).isEqualTo(3 + 4 + 5);
        assertThat(learned.max()).isEqualTo(5);
    }
}
