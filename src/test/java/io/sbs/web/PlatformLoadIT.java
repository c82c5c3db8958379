package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.SbsApplication;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * 1,000 requests through the whole platform (ingress, dispatch loop, HTTP, engine simulators), once with
 * {@code sbs} and once with round robin, the best immediate baseline of this regime in the simulator,
 * on the same seeded arrivals and prompts. Every request must be answered, without a 429 at this load
 * (about half the cluster's capacity). The mean-TTFT ratio is printed, not yet asserted: on this machine
 * it was 0.91 at 40 QPS but 1.07 at 55 QPS, where the live path still loses to round robin (batches sent
 * to an idle engine split across passes, and the dispatch latency is not measured yet). The assertion
 * belongs here once that is fixed.
 */
class PlatformLoadIT {

    private static final int REQUESTS = 1_000;
    private static final double QPS = 40;

    private static double meanTtftSeconds(String policy) {
        ConfigurableApplicationContext app = SpringApplication.run(SbsApplication.class, "--server.port=0",
                "--sbs.policy=" + policy, "--sbs.embedded.demo-qps=0",
                "--sbs.embedded.profile=src/test/resources/test-profiles/realtime.json");
        try {
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + port).build();
            SplittableRandom random = new SplittableRandom(11);
            List<Mono<Long>> calls = new ArrayList<>(REQUESTS);
            double at = 0;
            for (int i = 0; i < REQUESTS; i++) {
                at += -Math.log(1 - random.nextDouble()) / QPS;
                int words = 50 + random.nextInt(700);
                String body = "{\"model\":\"sbs\",\"max_tokens\":1,\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"" + "abc ".repeat(words) + "\"}]}";
                calls.add(Mono.delay(Duration.ofNanos((long) (at * 1e9))).then(Mono.defer(() -> {
                    long sent = System.nanoTime();
                    return client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(body).retrieve().bodyToFlux(String.class).next()
                            .map(first -> System.nanoTime() - sent);
                })));
            }
            List<Long> ttft = Flux.merge(Flux.fromIterable(calls), 1_024).collectList().block(Duration.ofMinutes(3));
            assertThat(ttft).hasSize(REQUESTS);
            return ttft.stream().mapToLong(Long::longValue).average().orElseThrow() / 1e9;
        } finally {
            app.close();
        }
    }

    @Test
    void thousandRequests_bothPolicies_everyOneAnswered() {
        double roundRobin = meanTtftSeconds("round-robin");
        double sbs = meanTtftSeconds("sbs");
        System.out.printf("mean TTFT over %d requests: sbs %.3f s, round-robin %.3f s, ratio %.3f%n", REQUESTS, sbs,
                roundRobin, sbs / roundRobin);
        assertThat(sbs).isPositive();
        assertThat(roundRobin).isPositive();
    }
}
