package io.sbs.state;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * A real Redis for tests: a {@code redis-server} process on a free port in a temporary directory,
 * without persistence. When the binary is missing the test fails with how to install it; it never skips.
 */
public final class RedisServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path dir;
    private final LettuceConnectionFactory connections;

    RedisServer() throws IOException, InterruptedException {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        dir = Files.createTempDirectory("sbs-redis");
        try {
            process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("these tests need a real Redis: install redis-server "
                    + "(apt-get install -y redis-server) or run where Docker is available", e);
        }
        connections = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
        connections.afterPropertiesSet();
        connections.start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                template().execute(c -> c.ping()).blockFirst(Duration.ofSeconds(1));
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > until || !process.isAlive()) {
                    close();
                    throw new IllegalStateException("redis-server did not answer on port " + port + "; see " + dir, e);
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    private static RedisServer shared;

    /**
     * One server for every test class of the JVM, stopped when the JVM exits: each class empties it
     * ({@link #flushed}) rather than paying for a process of its own.
     */
    public static synchronized RedisServer shared() throws IOException, InterruptedException {
        if (shared == null) {
            shared = new RedisServer();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** A template on this server after deleting every key. */
    public ReactiveStringRedisTemplate flushed() {
        ReactiveStringRedisTemplate t = template();
        t.execute(c -> c.serverCommands().flushAll()).blockLast(Duration.ofSeconds(5));
        return t;
    }

    public ReactiveStringRedisTemplate template() {
        return new ReactiveStringRedisTemplate(connections);
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        connections.destroy();
        process.destroy();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
