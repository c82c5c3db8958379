package io.sbs.web;

import io.micrometer.core.instrument.MeterRegistry;
import io.sbs.SbsApplication;
import io.sbs.loop.DispatchLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * The real dispatcher, started in process on a free port with {@code sbs.instances} pointing at
 * {@link RecordingEngine}s (in the order given, which is the cluster state's registration order). Each
 * test that needs its own engine behaviour starts its own and closes it.
 */
final class WireDispatcher implements AutoCloseable {

    static final String ENGINE_TOKEN = "wire-secret";

    private final ConfigurableApplicationContext context;
    private final int port;

    private WireDispatcher(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    /**
     * @param chunkTokens {@code C_max} of every engine's ranks
     * @param settings    further {@code key=value} settings, e.g. {@code sbs.policy=round-robin}
     */
    static WireDispatcher start(List<RecordingEngine> engines, int chunkTokens, String... settings) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--sbs.embedded.demo-qps=0",
                "--sbs.poll-interval=50ms", "--sbs.engine-timeout=10s", "--sbs.engine-token=" + ENGINE_TOKEN,
                "--spring.main.banner-mode=off"));
        for (int i = 0; i < engines.size(); i++) {
            RecordingEngine e = engines.get(i);
            String p = "--sbs.instances[" + i + "].";
            args.add(p + "id=" + id(i));
            args.add(p + "url=" + e.url());
            args.add(p + "kind=" + e.kind());
            args.add(p + "dp-units=" + e.dpUnits());
            args.add(p + "chunk-tokens=" + chunkTokens);
        }
        for (String s : settings) {
            // a setting given replaces the default above: Spring would read a repeated option as a list
            String key = "--" + s.substring(0, s.indexOf('=') + 1);
            args.removeIf(a -> a.startsWith(key));
            args.add("--" + s);
        }
        return new WireDispatcher(new SpringApplicationBuilder(SbsApplication.class).run(args.toArray(String[]::new)));
    }

    /** A dispatcher with the engines and every other setting given as {@code key=value} ({@code sbs.instances[0].url=...}). */
    static WireDispatcher start(String... settings) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--sbs.embedded.demo-qps=0",
                "--sbs.poll-interval=50ms", "--sbs.engine-timeout=10s", "--spring.main.banner-mode=off"));
        for (String s : settings) {
            args.add("--" + s);
        }
        return new WireDispatcher(new SpringApplicationBuilder(SbsApplication.class).run(args.toArray(String[]::new)));
    }

    /** The instance id the {@code i}-th engine is registered under. */
    static String id(int i) {
        return "engine-" + i;
    }

    int port() {
        return port;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    WebClient client() {
        return WebClient.builder().baseUrl(baseUrl()).build();
    }

    DispatchLoop loop() {
        return context.getBean(DispatchLoop.class);
    }

    MeterRegistry meters() {
        return context.getBean(MeterRegistry.class);
    }

    /** Pushes an EndForward report for a one-pass-per-call engine, with the engine token. */
    Mono<Integer> endForward(String body) {
        return client().post().uri("/internal/v1/end-forward").contentType(MediaType.APPLICATION_JSON)
                .header("Authorization", "Bearer " + ENGINE_TOKEN).bodyValue(body)
                .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()));
    }

    /**
     * An EndForward of a pass of {@code durationMs} after which every rank is idle with
     * {@code backlogTokens} still queued on it.
     */
    static String idleWithBacklog(String instanceId, int dpUnits, int durationMs, long backlogTokens) {
        String zeros = "[" + String.join(",", java.util.Collections.nCopies(dpUnits, "0")) + "]";
        String backlog = "[" + String.join(",", java.util.Collections.nCopies(dpUnits, Long.toString(backlogTokens))) + "]";
        return "{\"instance_id\":\"" + instanceId + "\",\"duration_ms\":" + durationMs + ",\"pass_tokens\":" + zeros
                + ",\"received_tokens\":" + zeros + ",\"next_pass_tokens\":" + zeros + ",\"backlog_tokens\":" + backlog
                + "}";
    }

    static final Duration WAIT = Duration.ofSeconds(15);

    @Override
    public void close() {
        context.close();
    }
}
