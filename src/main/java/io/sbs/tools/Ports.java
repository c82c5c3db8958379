package io.sbs.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for the servers a drill or a benchmark starts. */
public final class Ports {

    /** Redis Cluster's bus listens this far above the client port. */
    private static final int BUS_PORT_OFFSET = 10_000;
    private static final int MAX_CLUSTER_PORT = 65_535 - BUS_PORT_OFFSET;

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

    /**
     * A free port for a Redis Cluster node: its bus port (port + 10000) is free too, and it is at most 55535,
     * above which {@code redis-server --cluster-enabled yes} refuses to start. The kernel's ephemeral range
     * runs to 60999, so a plain {@link #free()} port fails about one node in five; such ports are drawn again.
     */
    public static int freeForRedisCluster() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = free();
            if (port <= MAX_CLUSTER_PORT && isFree(port + BUS_PORT_OFFSET)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port p <= 55535 with p + 10000 free as well");
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
