package io.sbs.chaos;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.sbs.tools.Ports;
import io.sbs.tools.ProcessGroup;
import io.sbs.tools.Wait;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The drill's Redis: one {@code redis-server} without persistence ({@link #standalone}), a Redis Cluster of
 * three masters ({@link #cluster}), or a master, two replicas and three Sentinels ({@link #withSentinels})
 * configured from the repository's
 * {@code redis/redis.conf} and {@code redis/sentinel.conf} (the Kubernetes deployment's files) with this
 * machine's ports and directories filled in, so the drill fails over with production's timings (down
 * after 3 s, quorum 2). The drill reads the store through Lettuce, through the Sentinels when there are
 * any, so it always reads the current master.
 */
final class RedisProcesses implements AutoCloseable {

    /** The master name the Sentinels monitor, as in {@code redis/sentinel.conf}. */
    static final String MASTER_NAME = "sbs";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    /** One redis-server: its log name, port, how it starts, and its process while it runs. */
    private static final class Node {
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

    private final ProcessGroup group;
    private final Path dir;
    private final List<Node> servers = new ArrayList<>();
    private final List<Node> sentinels = new ArrayList<>();
    private final RedisClient client = RedisClient.create();
    /** On a Redis Cluster, a key of the drill's dispatcher cluster: the master of its slot is "the master". */
    private @Nullable String clusterKey;
    private @Nullable RedisClusterClient clusterClient;

    private RedisProcesses(ProcessGroup group, Path dir) {
        this.group = group;
        this.dir = dir;
    }

    /** One server, {@code --save "" --appendonly no}: the store's contents matter only during the drill. */
    static RedisProcesses standalone(ProcessGroup group, Path dir) throws IOException, InterruptedException {
        RedisProcesses r = new RedisProcesses(group, dir);
        try {
            int port = Ports.free();
            Path data = Files.createDirectories(dir.resolve("redis-0"));
            r.servers.add(new Node("redis-0", port, List.of("redis-server", "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", data.toString())));
            r.start(r.servers.get(0));
            return r;
        } catch (RuntimeException | IOException | InterruptedException e) {
            r.close();
            throw e;
        }
    }

    /**
     * A Redis Cluster of three masters without replicas ({@code redis-server --cluster-enabled yes}, joined by
     * {@code redis-cli --cluster create}), returned once every node says {@code cluster_state:ok}. The drills
     * that use it kill dispatchers, not Redis, so replicas would only cost the machine's cores; the cluster
     * failover itself is tested by {@code RedisClusterFailoverIT}. {@code key} is a key of the
     * drill's dispatcher cluster: every key shares its hash tag, so the master of its slot holds them all.
     */
    static RedisProcesses cluster(ProcessGroup group, Path dir, String key) throws IOException, InterruptedException {
        RedisProcesses r = new RedisProcesses(group, dir);
        r.clusterKey = key;
        try {
            for (int i = 0; i < 3; i++) {
                int port = Ports.freeForRedisCluster();
                Path home = Files.createDirectories(dir.resolve("redis-" + i));
                r.servers.add(new Node("redis-" + i, port, List.of("redis-server", "--port", Integer.toString(port),
                        "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file",
                        home.resolve("nodes.conf").toString(), "--save", "", "--appendonly", "no", "--dir",
                        home.toString())));
            }
            for (Node n : r.servers) {
                r.start(n);
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            r.servers.forEach(n -> create.add("127.0.0.1:" + n.port));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process p = group.start("redis-cluster-create", create, Map.of(), dir);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                group.kill(p);
                throw new IllegalStateException("redis-cli --cluster create failed; see "
                        + group.log("redis-cluster-create"));
            }
            for (Node n : r.servers) {
                Wait.until(Duration.ofSeconds(60), Duration.ofMillis(100), () -> r.clusterOk(n.port),
                        () -> n.name + " did not report cluster_state:ok within 60 s; see " + group.log(n.name));
            }
            return r;
        } catch (RuntimeException | IOException | InterruptedException e) {
            r.close();
            throw e;
        }
    }

    private boolean clusterOk(int port) {
        try (StatefulRedisConnection<String, String> c = client.connect(uri(port))) {
            return c.sync().clusterInfo().contains("cluster_state:ok");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * A master and two replicas from {@code configs/redis.conf}, then three Sentinels from
     * {@code configs/sentinel.conf}; returns once every Sentinel sees both replicas and the other two
     * Sentinels, as a failover needs.
     */
    static RedisProcesses withSentinels(ProcessGroup group, Path dir, Path configs)
            throws IOException, InterruptedException {
        Path redisConf = configs.resolve("redis.conf").toAbsolutePath();
        Path sentinelConf = configs.resolve("sentinel.conf");
        if (!Files.isRegularFile(redisConf) || !Files.isRegularFile(sentinelConf)) {
            throw new IllegalArgumentException("the sentinel drill needs redis.conf and sentinel.conf from the "
                    + "repository's redis/ directory; not found in " + configs.toAbsolutePath() + " (--redis-configs DIR)");
        }
        RedisProcesses r = new RedisProcesses(group, dir);
        try {
            int masterPort = Ports.free();
            String serverTemplate = Files.readString(redisConf);
            for (int i = 0; i < 3; i++) {
                int port = i == 0 ? masterPort : Ports.free();
                Path home = Files.createDirectories(dir.resolve("redis-" + i));
                // Redis applies a config file's dir before any command-line override, so the file itself
                // must name a directory that exists here
                Path conf = home.resolve("redis.conf");
                Files.writeString(conf, configure(serverTemplate, Map.of("port", "port " + port,
                        "bind", "bind 127.0.0.1", "dir", "dir " + home)));
                List<String> cmd = new ArrayList<>(List.of("redis-server", conf.toString()));
                if (i > 0) {
                    cmd.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(masterPort)));
                }
                r.servers.add(new Node("redis-" + i, port, cmd));
            }
            for (Node n : r.servers) {
                r.start(n);
            }
            Wait.until(Duration.ofSeconds(30), Duration.ofMillis(100), () -> r.connectedReplicas(masterPort) == 2,
                    () -> "the replicas did not connect to the master within 30 s; see " + group.log("redis-1"));
            String sentinelTemplate = Files.readString(sentinelConf);
            String monitor = "sentinel monitor " + MASTER_NAME;
            for (int i = 0; i < 3; i++) {
                int port = Ports.freeForRedisCluster();
                Path home = Files.createDirectories(dir.resolve("sentinel-" + i));
                Path conf = home.resolve("sentinel.conf");
                // loopback only: the drill's Sentinels have no password
                Files.writeString(conf, configure(sentinelTemplate, Map.of("port", "port " + port, "bind",
                        "bind 127.0.0.1", "dir", "dir " + home, monitor, monitor + " 127.0.0.1 " + masterPort + " "
                        + quorum(sentinelTemplate))));
                r.sentinels.add(new Node("sentinel-" + i, port, List.of("redis-server", conf.toString(), "--sentinel")));
            }
            for (Node s : r.sentinels) {
                r.start(s);
            }
            Wait.until(Duration.ofSeconds(60), Duration.ofMillis(200), r::sentinelsAgree,
                    () -> "the Sentinels did not all see 2 replicas and 2 other Sentinels within 60 s; see "
                            + group.log("sentinel-0"));
            return r;
        } catch (RuntimeException | IOException | InterruptedException e) {
            r.close();
            throw e;
        }
    }

    /**
     * {@code template} (a Redis or Sentinel configuration) with the directives named in {@code lines} (by
     * their leading words, such as {@code dir} or {@code sentinel monitor sbs}) replaced by the given lines;
     * those it lacks are appended. Every other line, the deployment's tuning, stays as it is.
     */
    static String configure(String template, Map<String, String> lines) {
        Map<String, String> left = new LinkedHashMap<>(lines);
        StringBuilder out = new StringBuilder();
        for (String line : template.split("\n", -1)) {
            String trimmed = line.trim().replaceAll("\\s+", " ");
            String key = lines.keySet().stream().filter(k -> trimmed.equals(k) || trimmed.startsWith(k + " "))
                    .findFirst().orElse(null);
            out.append(key == null ? line : lines.get(key)).append('\n');
            if (key != null) {
                left.remove(key);
            }
        }
        String text = out.toString().stripTrailing() + "\n";
        return left.isEmpty() ? text : text + String.join("\n", left.values()) + "\n";
    }

    /** The quorum of {@code sentinel monitor sbs HOST PORT QUORUM} in a Sentinel configuration. */
    static String quorum(String sentinelConf) {
        for (String line : sentinelConf.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length == 6 && w[0].equals("sentinel") && w[1].equals("monitor") && w[2].equals(MASTER_NAME)) {
                return w[5];
            }
        }
        throw new IllegalArgumentException("sentinel.conf has no 'sentinel monitor " + MASTER_NAME
                + " HOST PORT QUORUM' line");
    }

    private void start(Node n) throws IOException, InterruptedException {
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
            if (sentinels.contains(n)) {
                try (StatefulRedisSentinelConnection<String, String> c = client.connectSentinel(uri(n.port))) {
                    return "PONG".equals(c.sync().ping());
                }
            }
            try (StatefulRedisConnection<String, String> c = client.connect(uri(n.port))) {
                return "PONG".equals(c.sync().ping());
            }
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static RedisURI uri(int port) {
        return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(TIMEOUT).build();
    }

    private long connectedReplicas(int port) {
        try (StatefulRedisConnection<String, String> c = client.connect(uri(port))) {
            return c.sync().info("replication").lines().filter(l -> l.startsWith("connected_slaves:"))
                    .mapToLong(l -> Long.parseLong(l.substring("connected_slaves:".length()).trim())).findFirst()
                    .orElse(0);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private boolean sentinelsAgree() {
        for (Node s : sentinels) {
            try (StatefulRedisSentinelConnection<String, String> c = client.connectSentinel(uri(s.port))) {
                Map<String, String> m = c.sync().master(MASTER_NAME);
                if (!"2".equals(m.get("num-other-sentinels")) || healthyReplicas(c) != 2) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    private static long healthyReplicas(StatefulRedisSentinelConnection<String, String> c) {
        return c.sync().replicas(MASTER_NAME).stream()
                .filter(r -> !r.getOrDefault("flags", "").contains("down")
                        && !r.getOrDefault("flags", "").contains("disconnected"))
                .count();
    }

    boolean hasSentinels() {
        return !sentinels.isEmpty();
    }

    /** Spring's {@code spring.data.redis.*} arguments for the dispatchers. */
    List<String> dispatcherArguments() {
        if (clusterKey != null) {
            return List.of("--spring.data.redis.cluster.nodes=" + servers.stream().map(s -> "127.0.0.1:" + s.port)
                    .collect(Collectors.joining(",")));
        }
        if (!hasSentinels()) {
            return List.of("--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + servers.get(0).port);
        }
        return List.of("--spring.data.redis.sentinel.master=" + MASTER_NAME, "--spring.data.redis.sentinel.nodes="
                + sentinels.stream().map(s -> "127.0.0.1:" + s.port).collect(Collectors.joining(",")));
    }

    /**
     * The current master's port: the only server, the master of the drill's slot on a cluster, or what the
     * first Sentinel that answers says.
     */
    int masterPort() {
        if (clusterKey != null) {
            return slotMaster(clusterKey);
        }
        if (!hasSentinels()) {
            return servers.get(0).port;
        }
        for (Node s : sentinels) {
            try (StatefulRedisSentinelConnection<String, String> c = client.connectSentinel(uri(s.port))) {
                SocketAddress a = c.sync().getMasterAddrByName(MASTER_NAME);
                if (a instanceof InetSocketAddress i) {
                    return i.getPort();
                }
            } catch (RuntimeException e) {
                // ask the next one
            }
        }
        throw new IllegalStateException("no Sentinel answered for the master");
    }

    private synchronized int slotMaster(String key) {
        if (clusterClient == null) {
            clusterClient = RedisClusterClient.create(client.getResources(),
                    servers.stream().map(n -> uri(n.port)).toList());
        } else {
            clusterClient.refreshPartitions();
        }
        return clusterClient.getPartitions().getPartitionBySlot(SlotHash.getSlot(key)).getUri().getPort();
    }

    /** {@code SIGKILL} to the current master; returns {@link System#nanoTime} just before the signal. */
    long killMaster() {
        Node master = server(masterPort());
        long at = System.nanoTime();
        group.kill(running(master));
        master.process = null;
        return at;
    }

    /**
     * Starts every killed server again as a replica of the current master, on its old port so the Sentinels
     * recognise it, and waits until they count it healthy.
     */
    void restartKilled() throws IOException, InterruptedException {
        int master = masterPort();
        for (Node n : servers) {
            if (n.process == null) {
                List<String> cmd = new ArrayList<>(n.command.subList(0, 2));
                cmd.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(master)));
                Node again = new Node(n.name, n.port, cmd);
                servers.set(servers.indexOf(n), again);
                start(again);
            }
        }
        Wait.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> connectedReplicas(master) == 2
                && sentinelsAgree(), () -> "the restarted server did not rejoin as a replica within 60 s");
    }

    private Node server(int port) {
        return servers.stream().filter(n -> n.port == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("no server of the drill on port " + port));
    }

    private static Process running(Node n) {
        if (n.process == null) {
            throw new IllegalStateException(n.name + " is not running");
        }
        return n.process;
    }

    /** Runs {@code command} on the current master (through the Sentinels when there are any). */
    <T> T onMaster(Function<RedisCommands<String, String>, T> command) {
        RedisURI target = uri(masterPort());
        try (StatefulRedisConnection<String, String> c = client.connect(target)) {
            return command.apply(c.sync());
        }
    }

    @Override
    public void close() {
        if (clusterClient != null) {
            // shares the client's resources, so it goes first
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        // the processes belong to the group, which kills them
    }
}
