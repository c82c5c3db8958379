package io.sbs.dashboard;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A prefill engine that is up but wedged, over real HTTP: it answers its load poll and health check with
 * 503, and takes every other request, the P/D bootstrap of its decode partner included, without ever
 * answering. No first token, no poll, no push: the dispatcher has only its watchdog left to tell when a
 * pass is over. (A bootstrap refused instead would fail the request at once, and the dispatcher would
 * drop it from the instance's estimate before the watchdog could fire.)
 */
final class SilentEngine implements AutoCloseable {

    // own event loops: an application closing in this JVM disposes Reactor Netty's global ones
    private static final LoopResources LOOPS = LoopResources.create("silent-engine", 1, true);

    private final AtomicInteger received = new AtomicInteger();
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final DisposableServer server;

    SilentEngine() {
        server = HttpServer.create().runOn(LOOPS).channelGroup(connections).host("127.0.0.1").port(0)
                .handle((req, res) -> {
                    if (req.method() == HttpMethod.GET && (req.path().equals("get_load") || req.path().equals("health"))) {
                        return res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send();
                    }
                    return req.receive().then(Mono.fromRunnable(received::incrementAndGet)).then(Mono.never());
                })
                .bindNow(Duration.ofSeconds(10));
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Where its decode partner fetches the KV of a request (SGLang's bootstrap port): here too. */
    int port() {
        return server.port();
    }

    /** Requests taken (and never answered), bootstraps included. */
    int received() {
        return received.get();
    }

    @Override
    public void close() {
        // held requests fail rather than linger: the dispatcher's graceful shutdown would wait for them
        connections.close().awaitUninterruptibly(Duration.ofSeconds(5).toMillis());
        server.dispose();
    }
}
