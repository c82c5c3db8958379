package io.sbs.dashboard;

import java.time.Duration;
import java.util.SplittableRandom;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Requests that keep the decode DP units busy for seconds each (prompts of about 1K tokens, 200 to 600
 * output tokens), sent through the ingress at a fixed rate, so the decode KV load has a distribution worth
 * a band (the embedded demo load's 16-token answers leave most decode units empty). Streamed, as chat
 * clients do, so that TTFT is the time to the first token rather than to the whole answer.
 */
final class DecodeLoad implements AutoCloseable {

    private final Disposable running;

    DecodeLoad(int port, double qps) {
        WebClient client = WebClient.builder().baseUrl("http://127.0.0.1:" + port).build();
        SplittableRandom random = new SplittableRandom(7);
        running = Flux.interval(Duration.ofNanos(Math.round(1e9 / qps)))
                .onBackpressureDrop()
                .flatMap(tick -> {
                    String body = "{\"model\":\"sbs\",\"stream\":true,\"max_tokens\":" + random.nextInt(200, 601)
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(random.nextInt(400, 1200))
                            + "\"}]}";
                    return client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(body).retrieve().toBodilessEntity().onErrorComplete();
                }, 512)
                .subscribe();
    }

    @Override
    public void close() {
        running.dispose();
    }
}
