package io.sbs.bench.http;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM the benchmark starts that serves HTTP on a loopback port (the dispatcher, the Reactor Netty proxy):
 * its output in a log file, ready once a path of it answers 200, stopped with SIGTERM and, after ten seconds,
 * a kill.
 */
final class ServingJvm implements AutoCloseable {

    // a Spring start took 55-60 s on a 2-core host shared with other builds (load average 20)
    static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final Process process;
    private final int port;

    private ServingJvm(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Runs {@code command} with {@code environment} added, its output to {@code log}, and returns once
     * {@code GET readyPath} on {@code port} answers 200.
     *
     * @param name what it is, for messages ("the dispatcher")
     * @throws HttpBench.SetupException when it exits or is not ready within {@link #START_TIMEOUT}, with its
     *                                  log's path
     */
    static ServingJvm start(String name, List<String> command, Map<String, String> environment, int port,
            String readyPath, Path log) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(environment);
            ServingJvm jvm = new ServingJvm(pb.start(), port);
            jvm.awaitReady(name, readyPath, log);
            return jvm;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpBench.SetupException("interrupted while starting " + name, e);
        }
    }

    private void awaitReady(String name, String readyPath, Path log) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + readyPath))
                .timeout(Duration.ofSeconds(1)).build();
        try {
            Wait.until(START_TIMEOUT, Duration.ofMillis(200), () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
                }
                return answers(http, ready);
            }, () -> name + " was not ready within " + START_TIMEOUT + "; see " + log);
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

    /** SIGTERM (for the dispatcher, Spring's graceful shutdown), then a kill if it has not exited within ten seconds. */
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
