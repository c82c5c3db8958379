package io.sbs.chaos;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.sbs.tools.Ports;
import io.sbs.tools.ProcessGroup;
import io.sbs.tools.Wait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A Redis Cluster of three masters without replicas ({@code redis-server --cluster-enabled yes}, joined by
 * {@code redis-cli --cluster create}). The drills that use it kill dispatchers, not Redis, so replicas would
 * only cost the machine's cores; the cluster failover itself is tested by {@code RedisClusterFailoverIT}.
 */
final class ClusterRedis extends RedisProcesses {

    /** A key of the drill's dispatcher cluster: the master of its slot is "the master". */
    private final String key;
    private @Nullable RedisClusterClient clusterClient;

    private ClusterRedis(ProcessGroup group, Path dir, String key) {
        super(group, dir);
        this.key = key;
    }

    /**
     * The cluster, returned once every node says {@code cluster_state:ok}. {@code key} is a key of the drill's
     * dispatcher cluster: every key shares its hash tag, so the master of its slot holds them all.
     */
    static ClusterRedis start(ProcessGroup group, Path dir, String key) throws IOException, InterruptedException {
        ClusterRedis r = new ClusterRedis(group, dir, key);
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

    @Override
    List<String> dispatcherArguments() {
        return List.of("--spring.data.redis.cluster.nodes=" + servers.stream().map(s -> "127.0.0.1:" + s.port)
                .collect(Collectors.joining(",")));
    }

    /** The master of the drill's slot, as the cluster's partitions say now. */
    @Override
    synchronized int masterPort() {
        if (clusterClient == null) {
            clusterClient = RedisClusterClient.create(client.getResources(),
                    servers.stream().map(n -> uri(n.port)).toList());
        } else {
            clusterClient.refreshPartitions();
        }
        return clusterClient.getPartitions().getPartitionBySlot(SlotHash.getSlot(key)).getUri().getPort();
    }

    @Override
    public void close() {
        if (clusterClient != null) {
            // shares the client's resources, so it goes first
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        super.close();
    }
}
