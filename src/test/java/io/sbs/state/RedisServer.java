package io.sbs.state;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * A real Redis for tests, without persistence: a container (Testcontainers) where Docker is available,
 * otherwise a {@code redis-server} process on a free port in a temporary directory. When neither exists the
 * test fails with how to get one; it never skips.
 */
public final class RedisServer implements AutoCloseable {

    private static final String IMAGE = "redis:7.4-alpine";
    private static final boolean DOCKER = dockerAvailable();
    private static @Nullable Network network;

    private final @Nullable Process process;
    private final @Nullable GenericContainer<?> container;
    private final String host;
    private final int port;
    private final String alias;
    private final LettuceConnectionFactory connections;

    /** A master. */
    RedisServer() throws IOException, InterruptedException {
        this(null);
    }

    /** A replica of {@code master} ({@code null} for a master). */
    @SuppressWarnings("resource")
    RedisServer(@Nullable RedisServer master) throws IOException, InterruptedException {
        if (DOCKER) {
            process = null;
            alias = "redis-" + System.nanoTime();
            List<String> command = new ArrayList<>(List.of("redis-server", "--save", "", "--appendonly", "no"));
            if (master != null) {
                command.addAll(List.of("--replicaof", master.alias, "6379"));
            }
            container = new GenericContainer<>(IMAGE).withExposedPorts(6379).withNetwork(network())
                    .withNetworkAliases(alias).withCommand(command.toArray(String[]::new));
            container.start();
            host = container.getHost();
            port = container.getMappedPort(6379);
        } else {
            container = null;
            host = "127.0.0.1";
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            alias = host;
            Path dir = Files.createTempDirectory("sbs-redis");
            List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
            if (master != null) {
                command.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port)));
            }
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("redis.log").toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException("these tests need a real Redis: install redis-server "
                        + "(apt-get install -y redis-server) or run them where Docker is available", e);
            }
        }
        connections = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
        connections.afterPropertiesSet();
        connections.start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                template().execute(c -> c.ping()).blockFirst(Duration.ofSeconds(1));
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > until || (process != null && !process.isAlive())) {
                    close();
                    throw new IllegalStateException("Redis did not answer on " + host + ":" + port, e);
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static synchronized Network network() {
        if (network == null) {
            network = Network.newNetwork();
        }
        return network;
    }

    private static RedisServer shared;

    /**
     * One server for every test class of the JVM, stopped when the JVM exits: each class empties it
     * ({@link #flushed}) rather than paying for a server of its own.
     */
    public static synchronized RedisServer shared() throws IOException, InterruptedException {
        if (shared == null) {
            shared = new RedisServer();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** A server of the caller's own, for a test that stops or pauses it; the caller closes it. */
    public static RedisServer dedicated() throws IOException, InterruptedException {
        return new RedisServer();
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

    LettuceConnectionFactory connections() {
        return connections;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        connections.destroy();
        if (container != null) {
            container.stop();
        }
        if (process != null) {
            process.destroy();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
