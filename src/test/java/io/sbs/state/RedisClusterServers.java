package io.sbs.state;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.SlotHash;
import io.sbs.tools.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * A real Redis Cluster for tests: {@code redis-server --cluster-enabled yes} processes on free loopback
 * ports, each in its own temporary directory, joined by {@code redis-cli --cluster create}; ready once
 * every node says {@code cluster_state:ok} (and, with replicas, every replica's link to its master is up).
 * Processes, not containers: a cluster announces its nodes' own addresses, which a client outside
 * Docker's network could not reach. Without {@code redis-server} and {@code redis-cli} on the PATH the test
 * fails saying so; it never skips.
 *
 * <p>The client is Lettuce's cluster client with the service's topology refresh (every adaptive trigger,
 * as Lettuce 7 has by default, plus a periodic refresh), here every second so a test sees a failover soon.
 * The cluster's node timeout is one second for the same reason (production: 15 s, Redis's default).
 */
public final class RedisClusterServers implements AutoCloseable {

    /** How long a node may be unreachable before the cluster fails it over (Redis {@code cluster-node-timeout}). */
    static final Duration NODE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration READY = Duration.ofSeconds(60);

    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Path dir;
    private final RedisClient probe = RedisClient.create();
    private final LettuceConnectionFactory connections;

    /**
     * @param masters  at least 3, as {@code redis-cli --cluster create} demands
     * @param replicas replicas per master
     */
    public RedisClusterServers(int masters, int replicas) throws IOException, InterruptedException {
        dir = Files.createTempDirectory("sbs-redis-cluster");
        try {
            while (ports.size() < masters * (1 + replicas)) {
                int port = Ports.freeForRedisCluster();
                if (!ports.contains(port)) {
                    ports.add(port);
                }
            }
            for (int i = 0; i < ports.size(); i++) {
                processes.add(start(i));
            }
            for (int i = 0; i < ports.size(); i++) {
                int node = i;
                await().atMost(READY).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                        .until(() -> "PONG".equals(sync(ports.get(node), c -> c.sync().ping())) || exited(node));
                if (exited(node)) {
                    throw new IllegalStateException("redis-server on port " + ports.get(node) + " exited: "
                            + Files.readString(dir.resolve("node-" + node).resolve("redis.log")));
                }
            }
            create(replicas);
            for (int port : ports) {
                await().atMost(READY).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> sync(port, c -> c.sync().clusterInfo()).contains("cluster_state:ok"));
            }
            if (replicas > 0) {
                await().atMost(READY).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> replicasLinked() == masters * replicas);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        connections = new LettuceConnectionFactory(new RedisClusterConfiguration(ports.stream()
                .map(p -> "127.0.0.1:" + p).toList()), LettuceClientConfiguration.builder()
                .commandTimeout(Duration.ofSeconds(2)).clientOptions(ClusterClientOptions.builder()
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers()
                                .enablePeriodicRefresh(Duration.ofSeconds(1)).build())
                        .build())
                .build());
        connections.afterPropertiesSet();
        connections.start();
    }

    private Process start(int i) throws IOException {
        Path home = Files.createDirectories(dir.resolve("node-" + i));
        List<String> command = List.of("redis-server", "--port", Integer.toString(ports.get(i)), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", home.resolve("nodes.conf").toString(),
                "--cluster-node-timeout", Long.toString(NODE_TIMEOUT.toMillis()), "--save", "", "--appendonly", "no",
                "--dir", home.toString());
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(home.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("these tests need a real Redis Cluster: install redis-server and "
                    + "redis-cli (apt-get install -y redis-server)", e);
        }
    }

    private void create(int replicas) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> command.add("127.0.0.1:" + p));
        command.addAll(List.of("--cluster-replicas", Integer.toString(replicas), "--cluster-yes"));
        Path log = dir.resolve("create.log");
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("these tests need redis-cli to create a Redis Cluster "
                    + "(apt-get install -y redis-server)", e);
        }
        if (!p.waitFor(READY.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(log));
        }
    }

    private long replicasLinked() {
        return ports.stream().filter(port -> {
            String info = sync(port, c -> c.sync().info("replication"));
            return info.contains("role:slave") && info.contains("master_link_status:up");
        }).count();
    }

    private <T> T sync(int port, java.util.function.Function<StatefulRedisConnection<String, String>, T> command) {
        try (StatefulRedisConnection<String, String> c = probe.connect(RedisURI.builder().withHost("127.0.0.1")
                .withPort(port).withTimeout(Duration.ofSeconds(2)).build())) {
            return command.apply(c);
        }
    }

    /** A template over the cluster client (Spring Data Redis on Lettuce's cluster connections). */
    public ReactiveStringRedisTemplate template() {
        return new ReactiveStringRedisTemplate(connections);
    }

    LettuceConnectionFactory connections() {
        return connections;
    }

    /** {@code host:port} of every node, for {@code spring.data.redis.cluster.nodes}. */
    public List<String> nodes() {
        return ports.stream().map(p -> "127.0.0.1:" + p).toList();
    }

    /**
     * The port of the node serving {@code key}'s slot as master now, as the first live node says (each knows
     * the whole slot map), or -1 while none claims it.
     */
    int masterOf(String key) {
        int slot = SlotHash.getSlot(key);
        for (int port : ports) {
            if (!processes.get(ports.indexOf(port)).isAlive()) {
                continue;
            }
            for (String line : sync(port, c -> c.sync().clusterNodes()).split("\n")) {
                // id host:port@bus flags master ping pong epoch state slot-ranges...
                String[] w = line.trim().split(" ");
                if (w.length < 9 || !w[2].contains("master") || w[2].contains("fail")) {
                    continue;
                }
                for (int i = 8; i < w.length; i++) {
                    String[] range = w[i].split("-");
                    if (!range[0].startsWith("[") && slot >= Integer.parseInt(range[0])
                            && slot <= Integer.parseInt(range[range.length - 1])) {
                        return Integer.parseInt(w[1].substring(w[1].indexOf(':') + 1, w[1].indexOf('@')));
                    }
                }
            }
            return -1;
        }
        return -1;
    }

    /** The port of the live node a client's subscription to {@code channel} is connected to, or -1. */
    int subscribedTo(String channel) {
        for (int port : ports) {
            if (processes.get(ports.indexOf(port)).isAlive()
                    && sync(port, c -> c.sync().pubsubNumsub(channel)).getOrDefault(channel, 0L) > 0) {
                return port;
            }
        }
        return -1;
    }

    /** {@code SIGKILL} to the node on {@code port}; returns once it is gone. */
    void kill(int port) throws InterruptedException {
        Process p = processes.get(ports.indexOf(port));
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    private boolean exited(int node) {
        return !processes.get(node).isAlive();
    }

    @Override
    public void close() {
        if (connections != null) {
            connections.destroy();
        }
        probe.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
