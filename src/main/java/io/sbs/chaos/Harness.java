package io.sbs.chaos;

import io.sbs.tools.Credentials;
import io.sbs.tools.JvmLauncher;
import io.sbs.tools.Ports;
import io.sbs.tools.ProcessGroup;
import io.sbs.tools.Wait;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The processes of one drill: Redis ({@link RedisProcesses}), two prefill and one decode engine simulator
 * ({@code sbs.jar engine-sim} with the drill's small profile, {@code chaos/engines.json}), and the
 * dispatchers {@code a} and {@code b} on the {@code redis} profile in cluster {@value #CLUSTER}, both
 * configured with every engine but a third prefill engine, {@value #EXTRA}, which a drill registers over
 * the admin API. With {@code --push} the prefill engines push EndForward through both dispatchers in turn
 * (each push to the next, going on to the other when one does not answer, as through a Service), and a
 * standby relays a push to the leader; without it they push nothing, as stock engines.
 */
final class Harness implements AutoCloseable {

    static final String CLUSTER = "chaos";
    /** The accepted-request buffer of the drill's cluster (Redis Stream). */
    static final String ACCEPTED = "sbs:{" + CLUSTER + "}:accepted";
    static final String POLICY_HISTORY = "sbs:{" + CLUSTER + "}:policy-history";
    static final String POLICY_VERSION = "sbs:{" + CLUSTER + "}:policy-version";
    static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    /** A prefill engine started with the others but configured on no dispatcher. */
    static final String EXTRA = "prefill-x";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Who leads, who stands by, and the leader's epoch. */
    record Leaders(DispatcherNode leader, DispatcherNode standby, long epoch) {
    }

    /** Faults fall uniformly in this window after a run's load starts, so they hit every phase of the lease. */
    static final Duration FAULT_EARLIEST = Duration.ofSeconds(1);
    static final Duration FAULT_LATEST = Duration.ofSeconds(3);

    private final ChaosOptions options;
    private final SplittableRandom random;
    private final Path work;
    private final ProcessGroup group;
    private final Credentials credentials = Credentials.random();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final JvmLauncher launcher;
    private final List<String> engineArgs = new ArrayList<>();
    private @Nullable RedisProcesses redis;
    private final List<DispatcherNode> nodes = new ArrayList<>();
    private @Nullable URI extra;
    private @Nullable String extraSpec;

    Harness(ChaosOptions options, JvmLauncher launcher) throws IOException {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
        this.launcher = launcher;
        this.work = Files.createTempDirectory("sbs-chaos");
        this.group = new ProcessGroup(options.out().resolve("logs"));
    }

    /** When the next fault falls after its run's load starts, in nanoseconds (seeded by {@code --seed}). */
    long nextFaultAfterNanos() {
        return FAULT_EARLIEST.toNanos() + random.nextLong(FAULT_LATEST.toNanos() - FAULT_EARLIEST.toNanos());
    }

    RedisProcesses redis() {
        if (redis == null) {
            throw new IllegalStateException("Redis is not started");
        }
        return redis;
    }

    void startRedis(boolean sentinels) throws IOException, InterruptedException {
        redis = sentinels ? SentinelRedis.start(group, work, options.redisConfigs())
                : options.redis().equals("cluster") ? ClusterRedis.start(group, work, ACCEPTED)
                : StandaloneRedis.start(group, work);
    }

    /** Starts the engines, then both dispatchers, and waits until exactly one of them leads. */
    void startService() throws IOException, InterruptedException {
        Path profile = options.out().resolve("engine-profile.json");
        try (InputStream in = Harness.class.getResourceAsStream("/chaos/engines.json")) {
            if (in == null) {
                throw new IllegalStateException("chaos/engines.json is missing from the class path");
            }
            Files.copy(in, profile, StandardCopyOption.REPLACE_EXISTING);
        }
        JsonNode shape = JSON.readTree(profile.toFile());
        int prefillUnits = shape.path("prefill").path("dpUnits").asInt();
        int chunk = shape.path("prefill").path("chunkTokens").asInt();
        int decodeUnits = shape.path("decode").path("dpUnits").asInt();
        long kv = shape.path("decode").path("kvCapacityTokens").asLong();
        for (String id : List.of("a", "b")) {
            nodes.add(new DispatcherNode(id, group, launcher, credentials, http, work, port -> dispatcherArgs(id, port)));
        }
        String pushes = String.join(",", nodes.stream()
                .map(n -> n.baseUrl().resolve("/internal/v1/end-forward").toString()).toList());
        // the last is configured on no dispatcher: a drill registers it over the admin API
        List<String> instances = List.of("prefill-0", "prefill-1", "decode-0", EXTRA);
        for (int i = 0; i < instances.size(); i++) {
            String id = instances.get(i);
            boolean prefill = id.startsWith("prefill");
            int port = Ports.free();
            List<String> command = new ArrayList<>(List.of("engine-sim", "--role", prefill ? "prefill" : "decode",
                    "--port", Integer.toString(port), "--profile", profile.toString(), "--instance-id", id, "--seed",
                    Integer.toString(i + 1)));
            if (prefill && options.push()) {
                command.addAll(List.of("--end-forward-url", pushes));
            }
            Process p = group.start("engine-" + id, launcher.command(command), credentials.environment(), work);
            URI url = URI.create("http://127.0.0.1:" + port);
            Wait.until(START_TIMEOUT, Duration.ofMillis(200), () -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("engine " + id + " exited; see " + group.log("engine-" + id));
                }
                return healthy(url);
            }, () -> "engine " + id + " did not answer /health; see " + group.log("engine-" + id));
            if (id.equals(EXTRA)) {
                extra = url;
                extraSpec = JSON.createObjectNode().put("id", id).put("url", url.toString()).put("kind", "sglang")
                        .put("dpUnits", prefillUnits).put("chunkTokens", chunk).put("bootstrapPort", port).toString();
                continue;
            }
            String at = "--sbs.instances[" + i + "].";
            engineArgs.addAll(List.of(at + "id=" + id, at + "url=" + url, at + "kind=sglang",
                    at + "role=" + (prefill ? "prefill" : "decode"), at + "dp-units=" + (prefill ? prefillUnits : decodeUnits)));
            engineArgs.add(prefill ? at + "chunk-tokens=" + chunk : at + "kv-capacity-tokens=" + kv);
            if (prefill) {
                // the simulator serves the KV bootstrap on its HTTP port
                engineArgs.add(at + "bootstrap-port=" + port);
            }
        }
        // one after the other: two Spring starts at once on two busy cores take longer than in turn
        for (DispatcherNode n : nodes) {
            n.start(START_TIMEOUT);
        }
        awaitOneLeader(Duration.ofSeconds(30));
    }

    private List<String> dispatcherArgs(String id, int port) {
        List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--server.address=127.0.0.1",
                "--spring.profiles.active=redis", "--sbs.state.node-id=" + id, "--sbs.state.cluster=" + CLUSTER,
                "--sbs.policy=" + options.policy(), "--sbs.embedded.demo-qps=0", "--spring.main.banner-mode=off"));
        args.addAll(redis().dispatcherArguments());
        args.addAll(engineArgs);
        args.addAll(options.dispatcherArgs());
        return args;
    }

    private boolean healthy(URI engine) {
        try {
            return http.send(HttpRequest.newBuilder(engine.resolve("/health")).timeout(DispatcherNode.CALL_TIMEOUT)
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    List<DispatcherNode> nodes() {
        return nodes;
    }

    /**
     * Waits until one node says it leads and the other names it as the leader (it learns so at its next
     * lease attempt), so a drill never starts on a split view.
     */
    Leaders awaitOneLeader(Duration timeout) throws InterruptedException {
        return Wait.forValue(timeout, Duration.ofMillis(50), () -> {
            DispatcherNode.Leadership a = nodes.get(0).leadership();
            DispatcherNode.Leadership b = nodes.get(1).leadership();
            if (a == null || b == null || a.leader() == b.leader()) {
                return null;
            }
            DispatcherNode.Leadership lead = a.leader() ? a : b;
            DispatcherNode.Leadership other = a.leader() ? b : a;
            if (!other.leaderId().equals(lead.nodeId()) || other.epoch() != lead.epoch()) {
                return null;
            }
            return a.leader() ? new Leaders(nodes.get(0), nodes.get(1), a.epoch())
                    : new Leaders(nodes.get(1), nodes.get(0), b.epoch());
        }, () -> "no single leader within " + timeout + ": a says " + nodes.get(0).leadership() + ", b says "
                + nodes.get(1).leadership());
    }

    /** A client load over the given dispatchers. */
    ClientLoad load(String idPrefix, List<DispatcherNode> targets) {
        return new ClientLoad(http, options.qps(), options.timeout(), idPrefix, targets(targets));
    }

    static List<ClientLoad.Target> targets(List<DispatcherNode> nodes) {
        return nodes.stream().map(n -> new ClientLoad.Target(n.id(), n.baseUrl())).toList();
    }

    /**
     * Entries left in the accepted-request buffer once it had {@code timeout} to drain (a leader removes an
     * entry when its request is answered); null when Redis does not answer.
     */
    @Nullable Long bufferLeft(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Long left = null;
        while (true) {
            try {
                left = redis().onMaster(c -> c.xlen(ACCEPTED));
            } catch (RuntimeException e) {
                left = null;
            }
            if ((left != null && left == 0) || System.nanoTime() - deadline > 0) {
                return left;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    /** The engine of {@link #EXTRA}, for {@code POST /api/v1/instances}. */
    String extraInstanceSpec() {
        if (extraSpec == null) {
            throw new IllegalStateException("the engines are not started");
        }
        return extraSpec;
    }

    /** Requests the engine of {@link #EXTRA} prefilled since it started; null when it does not answer. */
    @Nullable Long extraPrefilled() {
        if (extra == null) {
            return null;
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(extra.resolve("/stats"))
                    .timeout(DispatcherNode.CALL_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()).path("prefilled").asLong() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void close() {
        group.close();
        if (redis != null) {
            redis.close();
        }
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + work, e);
        }
    }
}
