package io.sbs.bench.http;

import io.sbs.tools.Credentials;
import io.sbs.tools.JvmLauncher;
import io.sbs.tools.Ports;
import io.sbs.tools.Wait;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The service under test in a JVM of its own, started as {@code java -jar sbs.jar} would start it (the
 * same build as the benchmark), with the benchmark's engines configured as SGLang prefill instances, on a
 * loopback port, without the demo load and with logging at WARN so the console costs nothing per request.
 * Its own process, as nginx is: its CPU is counted apart, and the generator's and engines' garbage and
 * JIT profiles (they run Reactor Netty too) are not mixed with its own. {@code app/bench http} runs it over
 * instant engines, {@code app/bench live} over engine-simulator processes.
 */
public final class Dispatcher implements AutoCloseable {

    /**
     * One configured SGLang prefill instance ({@code sbs.instances[i]}).
     *
     * @param chunkTokens {@code C_max} per DP unit
     */
    public record Instance(String id, String url, int dpUnits, int chunkTokens) {
    }

    // a Spring start took 55-60 s on a 2-core host shared with other builds (load average 20)
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final Process process;
    private final int port;

    private Dispatcher(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Spring's command-line properties for {@code policy} over {@code instances}. */
    static List<String> arguments(String policy, List<Instance> instances, int port) {
        List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--server.address=127.0.0.1",
                "--sbs.policy=" + policy, "--sbs.embedded.demo-qps=0", "--logging.level.root=WARN",
                "--spring.main.banner-mode=off"));
        for (int i = 0; i < instances.size(); i++) {
            Instance instance = instances.get(i);
            String p = "--sbs.instances[" + i + "].";
            args.add(p + "id=" + instance.id());
            args.add(p + "url=" + instance.url());
            args.add(p + "kind=sglang");
            args.add(p + "role=prefill");
            args.add(p + "dp-units=" + instance.dpUnits());
            args.add(p + "chunk-tokens=" + instance.chunkTokens());
        }
        return args;
    }

    /** {@link #start(String, List, int, List, List, Map, Path)} over the instant engines on {@code ports}, on a free port. */
    static Dispatcher start(String policy, List<Integer> ports, int dpUnits, int chunkTokens,
            List<String> jvmOptions, Path log) {
        List<Instance> instances = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            instances.add(new Instance("instant-" + i, "http://127.0.0.1:" + ports.get(i), dpUnits, chunkTokens));
        }
        return start(policy, instances, Ports.free(), jvmOptions, List.of(), Credentials.random().environment(), log);
    }

    /**
     * Starts the dispatcher on {@code port}, its output in {@code log}, and returns once it reports itself
     * ready. The users' passwords and the engine token come in through {@code environment} (drawn at random
     * by the caller, {@link Credentials}), so none is generated and printed to the log, and none shows on a
     * command line.
     *
     * @param springArguments further {@code --name=value} arguments, after the benchmark's own (so they win)
     * @throws HttpBench.SetupException when it exits or is not ready within a minute, with its log's path
     */
    public static Dispatcher start(String policy, List<Instance> instances, int port, List<String> jvmOptions,
            List<String> springArguments, Map<String, String> environment, Path log) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            // its garbage-collection pauses logged beside its output: they are what its tail latency is made of
            List<String> jvm = new ArrayList<>(jvmOptions);
            jvm.add("-Xlog:gc:file=" + log.toAbsolutePath() + ".gc");
            List<String> args = new ArrayList<>(arguments(policy, instances, port));
            args.addAll(springArguments);
            ProcessBuilder pb = new ProcessBuilder(JvmLauncher.ofThisJvm().command(jvm, args))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(environment);
            Dispatcher d = new Dispatcher(pb.start(), port);
            d.awaitReady(log);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the dispatcher", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpBench.SetupException("interrupted while starting the dispatcher", e);
        }
    }

    private void awaitReady(Path log) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(1)).build();
        try {
            Wait.until(START_TIMEOUT, Duration.ofMillis(200), () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the dispatcher exited with " + process.exitValue() + "; see " + log);
                }
                return answers(http, ready);
            }, () -> "the dispatcher was not ready within " + START_TIMEOUT + "; see " + log);
        } catch (IllegalStateException e) {
            close();
            throw new HttpBench.SetupException(e.getMessage(), e);
        }
    }

    private static boolean answers(HttpClient http, HttpRequest ready) {
        try {
            return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // Wait's next sleep throws it
            return false;
        }
    }

    public int port() {
        return port;
    }

    public ProcessHandle process() {
        return process.toHandle();
    }

    /** Stops it: SIGTERM (Spring's graceful shutdown), then a kill if it has not exited within ten seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
