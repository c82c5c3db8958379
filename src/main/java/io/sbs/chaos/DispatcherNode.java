package io.sbs.chaos;

import io.sbs.tools.Credentials;
import io.sbs.tools.JvmLauncher;
import io.sbs.tools.Ports;
import io.sbs.tools.ProcessGroup;
import io.sbs.tools.Prometheus;
import io.sbs.tools.Wait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One dispatcher JVM of the drill, by node id ({@code sbs.state.node-id}). It can be started again after
 * a kill, on a fresh port (the old one may linger in the kernel), so callers ask {@link #baseUrl} each
 * time. Reads go out with the viewer's credentials, writes with the operator's.
 */
final class DispatcherNode {

    /** This node's view of leadership, from {@code /actuator/health}'s {@code leadership} component. */
    record Leadership(String nodeId, boolean leader, long epoch, String leaderId) {
    }

    static final Duration CALL_TIMEOUT = Duration.ofSeconds(1);
    /**
     * An operator's change waits longer than a poll: it reads and writes the store and checks a password, and a
     * missed answer there is a wrong figure in the drill, not a slow node.
     */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String id;
    private final ProcessGroup group;
    private final JvmLauncher launcher;
    private final Credentials credentials;
    private final HttpClient http;
    private final Path workDir;
    private final IntFunction<List<String>> arguments;
    private @Nullable Process process;
    /** Kept across restarts, so the engines' EndForward pushes find the node again when it is back. */
    private final int port;

    /** @param arguments the Spring arguments for a given HTTP port */
    DispatcherNode(String id, ProcessGroup group, JvmLauncher launcher, Credentials credentials, HttpClient http,
            Path workDir, IntFunction<List<String>> arguments) {
        this.id = id;
        this.port = Ports.free();
        this.group = group;
        this.launcher = launcher;
        this.credentials = credentials;
        this.http = http;
        this.workDir = workDir;
        this.arguments = arguments;
    }

    String id() {
        return id;
    }

    String logName() {
        return "dispatcher-" + id;
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Starts the JVM and returns once it answers its health endpoint. */
    void start(Duration timeout) throws IOException, InterruptedException {
        process = group.start(logName(), launcher.command(arguments.apply(port)), credentials.environment(), workDir);
        Wait.until(timeout, Duration.ofMillis(200), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("dispatcher " + id + " exited with " + process.exitValue() + "; see "
                        + group.log(logName()));
            }
            return leadership() != null;
        }, () -> "dispatcher " + id + " did not answer /actuator/health within " + timeout + "; see "
                + group.log(logName()));
    }

    /** {@code SIGKILL}; returns {@link System#nanoTime} just before the signal went out. */
    long kill() {
        long at = System.nanoTime();
        group.kill(running());
        process = null;
        return at;
    }

    /**
     * A normal stop ({@code SIGTERM}, as {@code kubectl delete pod} sends), waiting up to {@code timeout} for
     * the JVM to exit; returns the lines its log gained meanwhile that are warnings or errors (none, when the
     * node ends its use of Redis before the connection closes).
     */
    List<String> stopNormally(Duration timeout) throws IOException, InterruptedException {
        Process p = running();
        Path log = group.log(logName());
        long from = Files.exists(log) ? Files.size(log) : 0;
        p.destroy();
        if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("dispatcher " + id + " did not stop within " + timeout + " of SIGTERM");
        }
        process = null;
        byte[] all = Files.readAllBytes(log);
        String tail = new String(all, (int) Math.min(from, all.length), all.length - (int) Math.min(from, all.length),
                java.nio.charset.StandardCharsets.UTF_8);
        return tail.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
    }

    /** {@code SIGSTOP} or {@code SIGCONT}; returns {@link System#nanoTime} just before the signal went out. */
    long signal(String signal) {
        long at = System.nanoTime();
        ProcessGroup.signal(running(), signal);
        return at;
    }

    private Process running() {
        if (process == null) {
            throw new IllegalStateException("dispatcher " + id + " is not running");
        }
        return process;
    }

    /** Its view of leadership, or null when it does not answer within {@link #CALL_TIMEOUT}. */
    @Nullable Leadership leadership() {
        HttpResponse<String> r = get("/actuator/health/leadership");
        if (r == null || r.statusCode() != 200) {
            return null;
        }
        try {
            JsonNode d = JSON.readTree(r.body()).path("details");
            if (!d.has("leader")) {
                return null;
            }
            return new Leadership(d.path("nodeId").asString(""), d.path("leader").asBoolean(),
                    d.path("epoch").asLong(), d.path("leaderId").asString(""));
        } catch (JacksonException e) {
            return null;
        }
    }

    /**
     * The sum of a Prometheus counter's samples on {@code /actuator/prometheus}, or null when the node does
     * not answer or does not have the meter.
     */
    @Nullable Double meter(String name) {
        HttpResponse<String> r = get("/actuator/prometheus");
        return r == null || r.statusCode() != 200 ? null : Prometheus.sum(r.body(), name);
    }

    /** Its {@code /actuator/prometheus} text; null when it does not answer in time. */
    @Nullable String prometheus() {
        HttpResponse<String> r = get("/actuator/prometheus");
        return r == null || r.statusCode() != 200 ? null : r.body();
    }

    /**
     * Its {@code /actuator/prometheus} text for the meters {@code names} only (Prometheus family names, such
     * as {@code sbs_forward_from_pushes}; a counter's without {@code _total}); null when it does not answer in
     * time. Writing every meter costs a
     * busy node a large part of a second, which a figure timed at the answer would count.
     */
    @Nullable String prometheus(String... names) {
        HttpResponse<String> r = get("/actuator/prometheus?includedNames=" + String.join(",", names));
        return r == null || r.statusCode() != 200 ? null : r.body();
    }

    /** A GET with the viewer's credentials; null when the node does not answer in time. */
    @Nullable HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(baseUrl().resolve(path)).timeout(CALL_TIMEOUT).GET()
                .header("Authorization", credentials.viewerAuthorization()));
    }

    /** A write with the operator's credentials; null when the node does not answer in time. */
    @Nullable HttpResponse<String> write(String method, String path, String json, @Nullable String ifMatch) {
        HttpRequest.Builder b = HttpRequest.newBuilder(baseUrl().resolve(path))
                .method(method, HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json")
                .header("Authorization", credentials.operatorAuthorization());
        if (ifMatch != null) {
            b.header("If-Match", ifMatch);
        }
        return send(b.timeout(WRITE_TIMEOUT));
    }

    private @Nullable HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
