package io.sbs.web;

import io.sbs.sim.workload.PaperWorkloads;
import java.time.Duration;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The embedded default's optional demo load ({@code sbs.embedded.demo-qps}): Poisson arrivals of chat
 * requests with the paper's prompt lengths (0-3K tokens, mean 1K), sent to this service's own ingress over
 * HTTP once it listens, so a newcomer sees requests flow. At most 256 are in flight; answers are dropped.
 *
 * <p>A stop ends the load first, before the web server's graceful shutdown: no request is sent after that
 * and the stop waits for those in flight to be answered, so the ingress drains them like any client's and
 * no demo request meets a closing server or the node's closing connection pool.
 */
final class DemoLoad implements ApplicationListener<WebServerInitializedEvent>, SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoLoad.class);

    private final double qps;
    private final ReactorResourceFactory resources;
    private final Sinks.Empty<Void> stopping = Sinks.empty();
    /** Empty once the last request in flight is answered, after a stop. */
    private final Sinks.Empty<Void> drained = Sinks.empty();
    private volatile Disposable load = () -> { };
    private volatile boolean sending;
    private volatile boolean running;

    DemoLoad(double qps, ReactorResourceFactory resources) {
        this.qps = qps;
        this.resources = resources;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        WebClient client = WebClient.builder().clientConnector(new ReactorClientHttpConnector(resources, http -> http))
                .baseUrl("http://127.0.0.1:" + event.getWebServer().getPort()).build();
        SplittableRandom random = new SplittableRandom(42);
        sending = true;
        load = Flux.<Long>generate(sink -> sink.next(Math.round(-Math.log(1 - random.nextDouble()) / qps * 1e9)))
                .concatMap(gapNanos -> Mono.delay(Duration.ofNanos(gapNanos)), 1)
                .takeUntilOther(stopping.asMono())
                .flatMap(tick -> {
                    int tokens = PaperWorkloads.SHORT_PROMPTS.sample(random);
                    String body = "{\"model\":\"sbs\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\""
                            + "word ".repeat(Math.max(1, tokens * 4 / 5)) + "\"}]}";
                    return client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(body).retrieve().toBodilessEntity().onErrorComplete();
                }, 256)
                .doFinally(signal -> drained.tryEmitEmpty())
                .subscribe();
        log.info("demo load: {} requests per second to the ingress", qps);
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        stop(() -> { });
    }

    @Override
    public void stop(Runnable callback) {
        running = false;
        stopping.tryEmitEmpty();
        if (!sending) {
            drained.tryEmitEmpty();
        }
        drained.asMono().doFinally(signal -> callback.run()).subscribe();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Above the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}): stopped before it begins. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    /** Cancels what a stop did not drain (its phase timed out, or the context never started). */
    @Override
    public void close() {
        stopping.tryEmitEmpty();
        load.dispose();
    }
}
