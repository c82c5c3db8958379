package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Guards the Reactor Netty release the service runs on against the keep-alive hang of 1.3.7
 * (reactor/reactor-netty#4361): on one keep-alive connection, a request that arrives while the previous
 * one is still being answered, and is then answered without leaving the event loop (as the ingress
 * answers a 400 or a 429), left the connection no longer reading, so the request after it never got an
 * answer. Plain Reactor Netty and a socket, as the server under Spring is; no workaround property set.
 */
class KeepAliveIT {

    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    @Test
    void aRequestAnsweredAtOnceBehindASlowOne_leavesTheConnectionReading() throws IOException {
        server = HttpServer.create().host("127.0.0.1").port(0).route(r -> r
                .get("/slow", (req, res) -> res.sendString(Mono.delay(Duration.ofMillis(50)).thenReturn("slow")))
                .get("/now", (req, res) -> res.sendString(Mono.just("now"))))
                .bindNow();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 1_000);
            socket.setSoTimeout(3_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // the second request arrives while the first is still being answered
            out.write((get("/slow") + get("/now")).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).endsWith("slow");
            assertThat(readResponse(in)).endsWith("now");
            out.write(get("/now").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).as("the third request on the connection").endsWith("now");
        }
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    /** One response with a Content-Length body, read byte by byte so nothing of the next is consumed. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return head.toString().strip() + "\n" + new String(body, StandardCharsets.US_ASCII);
    }
}
