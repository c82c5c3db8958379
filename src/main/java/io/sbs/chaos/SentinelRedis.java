package io.sbs.chaos;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.sbs.tools.Ports;
import io.sbs.tools.ProcessGroup;
import io.sbs.tools.Wait;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A master, two replicas and three Sentinels configured from the repository's {@code redis/redis.conf} and
 * {@code redis/sentinel.conf} (the Kubernetes deployment's files) with this machine's ports and directories
 * filled in, so the sentinel drill fails over with production's timings (down after 3 s, quorum 2). The drill
 * reads the store through the Sentinels, so it always reads the current master; it kills the master and
 * restarts it as a replica.
 */
final class SentinelRedis extends RedisProcesses {

    /** The master name the Sentinels monitor, as in {@code redis/sentinel.conf}. */
    static final String MASTER_NAME = "sbs";

    private final List<Node> sentinels = new ArrayList<>();

    private SentinelRedis(ProcessGroup group, Path dir) {
        super(group, dir);
    }

    /**
     * A master and two replicas from {@code configs/redis.conf}, then three Sentinels from
     * {@code configs/sentinel.conf}; returns once every Sentinel sees both replicas and the other two
     * Sentinels, as a failover needs.
     */
    static SentinelRedis start(ProcessGroup group, Path dir, Path configs) throws IOException, InterruptedException {
        Path redisConf = configs.resolve("redis.conf").toAbsolutePath();
        Path sentinelConf = configs.resolve("sentinel.conf");
        if (!Files.isRegularFile(redisConf) || !Files.isRegularFile(sentinelConf)) {
            throw new IllegalArgumentException("the sentinel drill needs redis.conf and sentinel.conf from the "
                    + "repository's redis/ directory; not found in " + configs.toAbsolutePath() + " (--redis-configs DIR)");
        }
        SentinelRedis r = new SentinelRedis(group, dir);
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

    @Override
    boolean answersPing(Node n) {
        if (!sentinels.contains(n)) {
            return super.answersPing(n);
        }
        try (StatefulRedisSentinelConnection<String, String> c = client.connectSentinel(uri(n.port))) {
            return "PONG".equals(c.sync().ping());
        }
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

    @Override
    List<String> dispatcherArguments() {
        return List.of("--spring.data.redis.sentinel.master=" + MASTER_NAME, "--spring.data.redis.sentinel.nodes="
                + sentinels.stream().map(s -> "127.0.0.1:" + s.port).collect(Collectors.joining(",")));
    }

    /** What the first Sentinel that answers says. */
    @Override
    int masterPort() {
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

    /** {@code SIGKILL} to the current master; returns {@link System#nanoTime} just before the signal. */
    long killMaster() {
        Node master = server(masterPort());
        long at = System.nanoTime();
        Process p = master.process;
        if (p == null) {
            throw new IllegalStateException(master.name + " is not running");
        }
        group.kill(p);
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
}
