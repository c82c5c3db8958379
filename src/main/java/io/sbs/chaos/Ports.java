package io.sbs.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for the servers a drill or a benchmark starts. */
public final class Ports {

    private Ports() {
    }

    /**
     * A port the kernel just handed out and took back. Another process may grab it before the server binds;
     * the server then fails to start, and the drill says so.
     */
    public static int free() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
