package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.SbsApplication;
import io.sbs.control.InvalidPreviewException;
import io.sbs.control.PolicyPreview;
import io.sbs.control.PreviewRequest;
import io.sbs.control.PreviewResult;
import io.sbs.control.TrafficRecorder;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The preview as the platform wires it: requests through the real ingress are recorded by the loop's
 * listener, and the preview replays them (or a named trace) on the embedded cluster's shape.
 */
class PolicyPreviewIT {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static ConfigurableApplicationContext app;

    @BeforeAll
    static void start() {
        app = SpringApplication.run(SbsApplication.class, "--server.port=0", "--sbs.embedded.demo-qps=0",
                "--sbs.embedded.profile=src/test/resources/test-profiles/realtime.json",
                "--sbs.preview.traces=src/test/resources/traces", "--sbs.preview.window=5m");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void requestsThroughTheIngress_areRecorded_andReplayedUnderBothPolicies() {
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + port).build();
        Flux.range(0, 30).flatMap(i -> client.post().uri("/v1/chat/completions")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"model\":\"sbs\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\""
                                + "abc ".repeat(100 + 20 * i) + "\"}]}")
                        .retrieve().toBodilessEntity())
                .blockLast(BOUND);
        TrafficRecorder recorder = app.getBean(TrafficRecorder.class);
        await().atMost(BOUND).until(() -> recorder.size() == 30);
        PolicyPreview preview = app.getBean(PolicyPreview.class);

        PreviewResult r = preview.preview(PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN)))
                .block(BOUND);

        assertThat(recorder.window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(r.source()).isEqualTo("recorded");
        assertThat(r.requests()).isEqualTo(30);
        assertThat(r.cluster()).isEqualTo(new PreviewResult.SimulatedCluster("realtime", 3, 2, 1024));
        assertThat(r.current().policy().name()).isEqualTo(PolicyRegistry.SBS);
        assertThat(r.proposed().policy().name()).isEqualTo(PolicyRegistry.ROUND_ROBIN);
        assertThat(r.current().completed()).isEqualTo(30);
        assertThat(r.proposed().completed()).isEqualTo(30);
        // every pass takes at least the profile's 180 ms floor
        assertThat(r.current().ttftMeanSeconds()).isGreaterThan(0.18);
    }

    @Test
    void namedTraces_fromTheConfiguredDirectory() {
        PolicyPreview preview = app.getBean(PolicyPreview.class);
        PreviewRequest request = PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.EARLIEST_FINISH_TIME));

        PreviewResult r = preview.preview(request.withTrace("azure_sample.csv")).block(BOUND);

        assertThat(preview.traces()).contains("azure_sample.csv");
        assertThat(r.source()).isEqualTo("azure_sample.csv");
        assertThat(r.requests()).isEqualTo(40);
        StepVerifier.create(preview.preview(request.withTrace("missing.csv")))
                .expectError(InvalidPreviewException.class)
                .verify(BOUND);
    }
}
