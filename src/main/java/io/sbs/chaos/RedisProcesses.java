package io.sbs.chaos;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.sbs.tools.ProcessGroup;
import io.sbs.tools.Wait;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The drill's Redis, processes of the drill's group: one {@code redis-server} without persistence
 * ({@link StandaloneRedis}), a Redis Cluster of three masters ({@link ClusterRedis}), or a master, two replicas
 * and three Sentinels configured from the repository's files ({@link SentinelRedis}). This class holds what
 * they share: starting a server and waiting until it answers, the Lettuce client the drill reads the store
 * with, and running a command on the current master, which each set finds its own way.
 */
abstract sealed class RedisProcesses implements AutoCloseable permits StandaloneRedis, ClusterRedis, SentinelRedis {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    /** One redis-server: its log name, port, how it starts, and its process while it runs. */
    static final class Node {
        final String name;
        final int port;
        final List<String> command;
        @Nullable Process process;

        Node(String name, int port, List<String> command) {
            this.name = name;
            this.port = port;
            this.command = command;
        }
    }

    final ProcessGroup group;
    final Path dir;
    final List<Node> servers = new ArrayList<>();
    final RedisClient client = RedisClient.create();

    RedisProcesses(ProcessGroup group, Path dir) {
        this.group = group;
        this.dir = dir;
    }

    /** Spring's {@code spring.data.redis.*} arguments for the dispatchers. */
    abstract List<String> dispatcherArguments();

    /** The current master's port. */
    abstract int masterPort();

    final void start(Node n) throws IOException, InterruptedException {
        try {
            n.process = group.start(n.name, n.command, Map.of(), dir);
        } catch (IOException e) {
            throw new IllegalStateException("the chaos drills need a real Redis: install redis-server "
                    + "(apt-get install -y redis-server); starting '" + n.command.get(0) + "' failed: " + e.getMessage(), e);
        }
        Process p = n.process;
        Wait.until(Duration.ofSeconds(15), Duration.ofMillis(50), () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException(n.name + " exited with " + p.exitValue() + "; see " + group.log(n.name));
            }
            return ping(n);
        }, () -> n.name + " did not answer PING on port " + n.port + " within 15 s; see " + group.log(n.name));
    }

    private boolean ping(Node n) {
        // Lettuce logs a warning for every refused connection; a bare socket asks quietly first
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", n.port), 500);
        } catch (IOException e) {
            return false;
        }
        try {
            return answersPing(n);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether the node, listening, answers PING; a Sentinel is asked as one. */
    boolean answersPing(Node n) {
        try (StatefulRedisConnection<String, String> c = client.connect(uri(n.port))) {
            return "PONG".equals(c.sync().ping());
        }
    }

    static RedisURI uri(int port) {
        return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(TIMEOUT).build();
    }

    /** Runs {@code command} on the current master (through the Sentinels when there are any). */
    final <T> T onMaster(Function<RedisCommands<String, String>, T> command) {
        RedisURI target = uri(masterPort());
        try (StatefulRedisConnection<String, String> c = client.connect(target)) {
            return command.apply(c.sync());
        }
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        // the processes belong to the group, which kills them
    }
}
