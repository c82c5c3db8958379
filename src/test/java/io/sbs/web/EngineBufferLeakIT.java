package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.NettyLeaks;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * The engines' answers are buffers the dispatcher holds until they are written to the client; one dropped on
 * the way must be released, or Netty reports it at ERROR when the collector finds it (and a later test that
 * asserts a clean log fails). Run with every buffer tracked ({@link NettyLeaks}).
 */
class EngineBufferLeakIT {

    /** Far more than the sockets and Netty's outbound buffer hold: the decode stream must stall. */
    private static final int EVENTS = 4_000;
    private static final String EVENT = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"" + "x".repeat(4_000) + "\"}}]}\n\n";

    /**
     * A P/D stream whose client stops reading, then leaves: the decode server's events back up in the
     * dispatcher (Reactor Netty's inbound and outbound queues, the merge of the two calls) and the client's
     * leaving cancels them all; every buffer held is released.
     */
    @Test
    void pdStream_whoseClientStallsAndLeaves_releasesTheEventsItHeld() throws Exception {
        LoopResources loops = LoopResources.create("leak-decode", 1, true);
        AtomicInteger sent = new AtomicInteger();
        CountDownLatch engineLeft = new CountDownLatch(1);
        try (NettyLeaks leaks = NettyLeaks.paranoid();
                RecordingEngine prefill = RecordingEngine.sglang("prefill", 1)) {
            DisposableServer decode = HttpServer.create().runOn(loops).host("127.0.0.1").port(0).route(r -> r
                    .get("/health", (req, res) -> res.status(200).send())
                    .get("/get_load", (req, res) -> res.header("Content-Type", "application/json").sendString(Mono.just(
                            "[{\"dp_rank\":0,\"num_reqs\":0,\"num_waiting_reqs\":0,\"num_tokens\":0}]")))
                    .post("/v1/chat/completions", (req, res) -> {
                        req.withConnection(c -> c.onDispose(engineLeft::countDown));
                        return req.receive().then(Mono.from(res.header("Content-Type", "text/event-stream")
                                .sendString(Flux.range(0, EVENTS).map(i -> EVENT).doOnNext(e -> sent.incrementAndGet())
                                        .concatWith(Mono.just("data: [DONE]\n\n")))));
                    }))
                    .bindNow(Duration.ofSeconds(10));
            try (WireDispatcher dispatcher = WireDispatcher.start(
                    "sbs.instances[0].id=prefill-0", "sbs.instances[0].url=" + prefill.url(),
                    "sbs.instances[0].kind=sglang", "sbs.instances[0].dp-units=1", "sbs.instances[0].chunk-tokens=1000",
                    "sbs.instances[1].id=decode-0", "sbs.instances[1].url=http://127.0.0.1:" + decode.port(),
                    "sbs.instances[1].kind=sglang", "sbs.instances[1].role=decode", "sbs.instances[1].dp-units=1")) {
                try (Socket client = new Socket()) {
                    // a small window: the dispatcher's writes to it stall soon
                    client.setReceiveBufferSize(4_096);
                    client.connect(new InetSocketAddress("127.0.0.1", dispatcher.port()), 5_000);
                    String body = "{\"model\":\"m\",\"max_tokens\":8,\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
                    OutputStream out = client.getOutputStream();
                    out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    InputStream in = client.getInputStream();
                    byte[] head = new byte[12];
                    assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
                    assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
                    // the client reads no more: the stream stalls short of its end
                    awaitStalled(sent);
                    assertThat(sent.get()).isLessThan(EVENTS);
                    client.setSoLinger(true, 0);
                }
                assertThat(engineLeft.await(10, TimeUnit.SECONDS)).as("the engine call is cancelled").isTrue();
            } finally {
                decode.disposeNow(Duration.ofSeconds(5));
                loops.disposeLater().block(Duration.ofSeconds(10));
            }
            assertThat(leaks.reports()).isEmpty();
        }
    }

    /** Until the decode server has sent nothing more for half a second. */
    private static void awaitStalled(AtomicInteger sent) {
        int[] last = {-1};
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                .alias("the decode stream stalls").until(() -> {
                    int now = sent.get();
                    boolean stalled = now > 0 && now == last[0];
                    last[0] = now;
                    return stalled;
                });
    }
}
