package io.sbs.bench.http;

import io.sbs.chaos.Credentials;
import io.sbs.chaos.JvmLauncher;
import io.sbs.chaos.Ports;
import io.sbs.chaos.Wait;
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
import java.util.concurrent.TimeUnit;

/**
 * The service under test in a JVM of its own, started as {@code java -jar sbs.jar} would start it (the
 * same build as the benchmark), with the instant engines configured as SGLang instances, on a free
 * loopback port, without the demo load and with logging at WARN so the console costs nothing per request.
 * Its own process, as nginx is: its CPU is counted apart, and the generator's and engines' garbage and
 * JIT profiles (they run Reactor Netty too) are not mixed with its own.
 */
final class Dispatcher implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final int port;

    private Dispatcher(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Spring's command-line properties for {@code policy} over the engines on {@code ports}. */
    static List<String> arguments(String policy, List<Integer> ports, int dpUnits, int chunkTokens, int port) {
        List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--server.address=127.0.0.1",
                "--sbs.policy=" + policy, "--sbs.embedded.demo-qps=0", "--logging.level.root=WARN",
                "--spring.main.banner-mode=off"));
        for (int i = 0; i < ports.size(); i++) {
            String p = "--sbs.instances[" + i + "].";
            args.add(p + "id=instant-" + i);
            args.add(p + "url=http://127.0.0.1:" + ports.get(i));
            args.add(p + "kind=sglang");
            args.add(p + "dp-units=" + dpUnits);
            args.add(p + "chunk-tokens=" + chunkTokens);
        }
        return args;
    }

    /**
     * Starts the dispatcher, its output in {@code log}, and returns once it reports itself ready. The users'
     * passwords come in through its environment, drawn at random, so none is generated and printed to the log.
     *
     * @throws HttpBench.SetupException when it exits or is not ready within a minute, with its log's path
     */
    static Dispatcher start(String policy, List<Integer> ports, int dpUnits, int chunkTokens,
            List<String> jvmOptions, Path log) {
        int port = Ports.free();
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            // its garbage-collection pauses logged beside its output: they are what its tail latency is made of
            List<String> jvm = new ArrayList<>(jvmOptions);
            jvm.add("-Xlog:gc:file=" + log.toAbsolutePath() + ".gc");
            ProcessBuilder pb = new ProcessBuilder(JvmLauncher.ofThisJvm().command(jvm,
                    arguments(policy, ports, dpUnits, chunkTokens, port)))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(Credentials.random().environment());
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

    int port() {
        return port;
    }

    ProcessHandle process() {
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
