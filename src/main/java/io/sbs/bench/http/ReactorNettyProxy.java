package io.sbs.bench.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.sbs.tools.JvmLauncher;
import io.sbs.tools.Ports;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * The floor of {@code app/bench http}: the least a JVM proxy on Reactor Netty does per request, in a JVM of its
 * own started like the dispatcher. Its {@link HttpServer} hands each request, round robin, to one of the
 * engines over a pooled keep-alive {@link HttpClient}; the request's body goes out as the bytes that came in,
 * and the engine's status, content type and body come back the same way, never decoded. No Spring, no policy,
 * no metrics: what the dispatcher costs above this is its own doing.
 *
 * <p>Run as {@code ReactorNettyProxy PORT CONNECTIONS ENGINE_URL...}: {@code CONNECTIONS} is the pool's
 * limit per engine (as nginx's {@code keepalive}).
 */
public final class ReactorNettyProxy {

    /** As {@code SbsApplication} sets it for the dispatcher: one event loop per core, not Reactor Netty's four or more. */
    private static final String IO_WORKERS = "reactor.netty.ioWorkerCount";

    private ReactorNettyProxy() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: ReactorNettyProxy PORT CONNECTIONS ENGINE_URL...");
            System.exit(2);
        }
        if (System.getProperty(IO_WORKERS) == null) {
            System.setProperty(IO_WORKERS, Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        DisposableServer server = server(Integer.parseInt(args[0]), Integer.parseInt(args[1]),
                Arrays.asList(args).subList(2, args.length)).bindNow();
        server.onDispose().block();
    }

    /** The proxy on loopback {@code port} in front of {@code engines} (base URLs, no trailing slash). */
    static HttpServer server(int port, int connections, List<String> engines) {
        HttpClient client = HttpClient.create(ConnectionProvider.builder("engines").maxConnections(connections)
                .pendingAcquireMaxCount(-1).build()).keepAlive(true);
        AtomicInteger next = new AtomicInteger();
        return HttpServer.create().host("127.0.0.1").port(port).handle((req, res) -> {
            String engine = engines.get(Math.floorMod(next.getAndIncrement(), engines.size()));
            return client.request(req.method()).uri(engine + req.uri())
                    .send((out, body) -> {
                        copy(req.requestHeaders(), out.requestHeaders());
                        return body.send(req.receive().retain());
                    })
                    .response((in, body) -> {
                        copy(in.responseHeaders(), res.responseHeaders());
                        return res.status(in.status()).send(body.retain());
                    })
                    .then();
        });
    }

    /** The headers that describe the body: the rest are the connection's, which each side keeps its own. */
    private static void copy(HttpHeaders from, HttpHeaders to) {
        String type = from.get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null) {
            to.set(HttpHeaderNames.CONTENT_TYPE, type);
        }
        String length = from.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            to.set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
    }

    /**
     * Starts the proxy in front of the instant engines on {@code ports} with {@code jvmOptions} (the
     * dispatcher's), its output in {@code log}, and returns once a request through it to an engine's
     * {@code /health} answers 200.
     */
    static ServingJvm start(List<Integer> ports, int connections, List<String> jvmOptions, Path log) {
        int port = Ports.free();
        List<String> args = new ArrayList<>(List.of(Integer.toString(port), Integer.toString(connections)));
        ports.forEach(p -> args.add("http://127.0.0.1:" + p));
        List<String> jvm = new ArrayList<>(jvmOptions);
        jvm.add("-Xlog:gc:file=" + log.toAbsolutePath() + ".gc");
        return ServingJvm.start("the reactor-netty proxy",
                JvmLauncher.ofThisJvm().command(jvm, ReactorNettyProxy.class.getName(), args), Map.of(), port,
                "/health", log);
    }
}
