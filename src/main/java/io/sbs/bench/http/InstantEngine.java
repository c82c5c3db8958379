package io.sbs.bench.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * Engines that take no time: {@code instances} reactor-netty servers on loopback, each answering
 * {@code POST /v1/chat/completions} and {@code /v1/completions} at once with a fixed, small, non-streaming
 * OpenAI body, {@code GET /get_load} with SGLang's per-rank array showing nothing running or waiting
 * (what {@code SglangLoadParser} reads as idle), and {@code GET /health} with 200.
 *
 * <p>They run on event loops of their own, so the dispatcher under test does not share threads with
 * them; the machine's cores are shared all the same. Requests served are counted per instance, to show
 * that a proxy spread them.
 */
final class InstantEngine implements AutoCloseable {

    static final byte[] CHAT = ("{\"id\":\"chatcmpl-instant\",\"object\":\"chat.completion\",\"created\":0,"
            + "\"model\":\"instant\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}")
            .getBytes(StandardCharsets.UTF_8);
    static final byte[] COMPLETION = ("{\"id\":\"cmpl-instant\",\"object\":\"text_completion\",\"created\":0,"
            + "\"model\":\"instant\",\"choices\":[{\"index\":0,\"text\":\"ok\",\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}")
            .getBytes(StandardCharsets.UTF_8);

    private final LoopResources loops;
    private final List<DisposableServer> servers = new ArrayList<>();
    private final List<LongAdder> served = new ArrayList<>();
    private final int dpUnits;

    /**
     * @param instances servers, one port each
     * @param dpUnits   ranks each reports in {@code /get_load}
     * @param threads   event-loop threads shared by all of them
     */
    InstantEngine(int instances, int dpUnits, int threads) {
        this.dpUnits = dpUnits;
        this.loops = LoopResources.create("instant-engine", threads, true);
        byte[] load = idleLoad(dpUnits).getBytes(StandardCharsets.UTF_8);
        try {
            for (int i = 0; i < instances; i++) {
                LongAdder count = new LongAdder();
                served.add(count);
                servers.add(HttpServer.create().host("127.0.0.1").port(0).runOn(loops).route(r -> r
                        .post("/v1/chat/completions", (req, res) -> answer(req, res, CHAT, count))
                        .post("/v1/completions", (req, res) -> answer(req, res, COMPLETION, count))
                        .get("/get_load", (req, res) -> json(res, load))
                        .get("/health", (req, res) -> res.status(200).send()))
                        .bindNow());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** SGLang's {@code GET /get_load} answer for an instance with nothing running or waiting. */
    static String idleLoad(int dpUnits) {
        StringBuilder sb = new StringBuilder("[");
        for (int r = 0; r < dpUnits; r++) {
            sb.append(r == 0 ? "" : ",").append("{\"dp_rank\":").append(r)
                    .append(",\"num_reqs\":0,\"num_waiting_reqs\":0,\"num_tokens\":0}");
        }
        return sb.append(']').toString();
    }

    private static Publisher<Void> answer(HttpServerRequest req, HttpServerResponse res, byte[] body, LongAdder count) {
        // Read the request to its end before answering, as a real engine must, so a proxy's body
        // forwarding is part of what is measured.
        return req.receive().then(Mono.defer(() -> {
            count.increment();
            return Mono.from(json(res, body));
        }));
    }

    private static Publisher<Void> json(HttpServerResponse res, byte[] body) {
        return res.status(200).header("content-type", "application/json").sendByteArray(Mono.just(body));
    }

    List<Integer> ports() {
        return servers.stream().map(DisposableServer::port).toList();
    }

    int dpUnits() {
        return dpUnits;
    }

    /** Completion requests answered so far, per instance in port order. */
    List<Long> served() {
        return served.stream().map(LongAdder::sum).toList();
    }

    @Override
    public void close() {
        servers.forEach(DisposableServer::disposeNow);
        loops.disposeLater().block();
    }
}
