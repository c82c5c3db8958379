package io.sbs.bench.live;

import io.sbs.bench.http.Dispatcher;
import io.sbs.bench.http.HttpBench;
import io.sbs.tools.JvmLauncher;
import io.sbs.tools.Ports;
import io.sbs.tools.ProcessGroup;
import io.sbs.tools.Wait;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The simulated prefill instances of one phase of the benchmark: {@code sbs.jar engine-sim --role prefill}
 * processes, {@code prefill-0}, {@code prefill-1}, ..., each on a free loopback port with its log in
 * {@code logs}, seeded by its index so every set started with the same settings runs the same jitter.
 */
final class EngineProcesses implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ProcessGroup group;
    private final List<Process> processes = new ArrayList<>();
    private final List<URI> urls = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CALL_TIMEOUT).build();

    private EngineProcesses(Path logs) {
        this.group = new ProcessGroup(logs);
    }

    /**
     * Starts {@code count} engines and returns once each answers {@code /health}.
     *
     * @param profile       profile name or file, as {@code engine-sim --profile} takes it
     * @param endForwardUrl where they push EndForward, or null for no push (a stock engine)
     * @param environment   added to theirs: the engine token with a push, nothing without
     * @throws HttpBench.SetupException when one exits or does not answer within a minute, naming its log
     */
    static EngineProcesses start(Path logs, int count, String profile, @Nullable String endForwardUrl,
            Map<String, String> environment) throws InterruptedException {
        return start(logs, count, profile, endForwardUrl, environment, List.of());
    }

    /** {@link #start(Path, int, String, String, Map)} with further {@code engine-sim} options ({@code --kv-cache-tokens N}). */
    static EngineProcesses start(Path logs, int count, String profile, @Nullable String endForwardUrl,
            Map<String, String> environment, List<String> engineArgs) throws InterruptedException {
        EngineProcesses engines = new EngineProcesses(logs);
        try {
            JvmLauncher launcher = JvmLauncher.ofThisJvm();
            for (int i = 0; i < count; i++) {
                int port = Ports.free();
                List<String> args = new ArrayList<>(List.of("engine-sim", "--role", "prefill", "--profile", profile,
                        "--port", Integer.toString(port), "--instance-id", id(i), "--seed", Integer.toString(i + 1)));
                if (endForwardUrl != null) {
                    args.addAll(List.of("--end-forward-url", endForwardUrl));
                }
                args.addAll(engineArgs);
                // the drills' small JVMs: an engine simulator's work is timers and a little JSON, and every
                // core it does not take is one the dispatcher and the client can use
                engines.processes.add(engines.group.start("engine-" + id(i),
                        launcher.command(JvmLauncher.JVM_OPTIONS, args), environment, Path.of("").toAbsolutePath()));
                engines.urls.add(URI.create("http://127.0.0.1:" + port));
            }
            for (int i = 0; i < count; i++) {
                Process p = engines.processes.get(i);
                URI url = engines.urls.get(i);
                String name = id(i);
                String log = engines.group.log("engine-" + name).toString();
                Wait.until(START_TIMEOUT, Duration.ofMillis(100), () -> {
                    if (!p.isAlive()) {
                        throw new HttpBench.SetupException("engine " + name + " exited; see " + log);
                    }
                    return engines.answers(url.resolve("/health")) != null;
                }, () -> "engine " + name + " did not answer /health within " + START_TIMEOUT + "; see " + log);
            }
            return engines;
        } catch (IOException e) {
            engines.close();
            throw new UncheckedIOException("cannot start an engine simulator", e);
        } catch (RuntimeException | InterruptedException e) {
            engines.close();
            throw e;
        }
    }

    static String id(int index) {
        return "prefill-" + index;
    }

    List<URI> urls() {
        return urls;
    }

    /**
     * Prompt tokens received and found cached, summed over every rank of every engine ({@code /get_load}'s
     * {@code prompt_tokens_total} and {@code cached_tokens_total}); null when an engine does not answer.
     */
    long @Nullable [] cacheTotals() {
        long[] totals = new long[2];
        for (URI url : urls) {
            String body = answers(url.resolve("/get_load"));
            if (body == null) {
                return null;
            }
            try {
                for (JsonNode rank : JSON.readTree(body)) {
                    totals[0] += rank.path("prompt_tokens_total").asLong();
                    totals[1] += rank.path("cached_tokens_total").asLong();
                }
            } catch (JacksonException e) {
                return null;
            }
        }
        return totals;
    }

    List<ProcessHandle> processes() {
        return processes.stream().map(Process::toHandle).toList();
    }

    /** The dispatcher's {@code sbs.instances}: these engines as SGLang prefill instances of the profile's shape. */
    List<Dispatcher.Instance> instances(int dpUnits, int chunkTokens) {
        List<Dispatcher.Instance> out = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            out.add(new Dispatcher.Instance(id(i), urls.get(i).toString(), dpUnits, chunkTokens));
        }
        return out;
    }

    /**
     * Waits until no engine holds a request ({@code num_reqs} 0 on every rank of {@code /get_load}), so the
     * next run starts on idle engines whatever the last one left queued.
     */
    void awaitIdle(Duration timeout) throws InterruptedException {
        Wait.until(timeout, Duration.ofMillis(100), this::idle,
                () -> "the engines still held requests " + timeout + " after the run");
    }

    private boolean idle() {
        for (URI url : urls) {
            String body = answers(url.resolve("/get_load"));
            if (body == null) {
                return false;
            }
            try {
                for (JsonNode rank : JSON.readTree(body)) {
                    if (rank.path("num_reqs").asInt() != 0) {
                        return false;
                    }
                }
            } catch (JacksonException e) {
                return false;
            }
        }
        return true;
    }

    /** The body of a 200 answer to a GET, or null. */
    private @Nullable String answers(URI uri) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(CALL_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null; // not listening (yet)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // Wait's next sleep throws it
            return null;
        }
    }

    @Override
    public void close() {
        group.close();
    }
}
