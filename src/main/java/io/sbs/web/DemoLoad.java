package io.sbs.web;

import io.sbs.sim.workload.PaperWorkloads;
import java.time.Duration;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The embedded default's optional demo load ({@code sbs.embedded.demo-qps}): Poisson arrivals of chat
 * requests with the paper's prompt lengths (0-3K tokens, mean 1K), sent to this service's own ingress over
 * HTTP once it listens, so a newcomer sees requests flow. At most 256 are in flight; answers are dropped.
 */
final class DemoLoad implements ApplicationListener<WebServerInitializedEvent>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoLoad.class);

    private final double qps;
    private volatile Disposable running = () -> { };

    DemoLoad(double qps) {
        this.qps = qps;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + event.getWebServer().getPort()).build();
        SplittableRandom random = new SplittableRandom(42);
        running = Flux.<Long>generate(sink -> sink.next(Math.round(-Math.log(1 - random.nextDouble()) / qps * 1e9)))
                .concatMap(gapNanos -> Mono.delay(Duration.ofNanos(gapNanos)), 1)
                .flatMap(tick -> {
                    int tokens = PaperWorkloads.SHORT_PROMPTS.sample(random);
                    String body = "{\"model\":\"sbs\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\""
                            + "word ".repeat(Math.max(1, tokens * 4 / 5)) + "\"}]}";
                    return client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(body).retrieve().toBodilessEntity().onErrorComplete();
                }, 256)
                .subscribe();
        log.info("demo load: {} requests per second to the ingress", qps);
    }

    @Override
    public void close() {
        running.dispose();
    }
}
