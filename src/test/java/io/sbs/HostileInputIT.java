package io.sbs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.enginesim.EngineSimServer;
import io.sbs.formats.ProfileLoader;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sbs.security.Caller;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The fuzz suite: over ten thousand hostile requests ({@link HostileRequests}: malformed, oversized, wrongly
 * typed, deeply nested, badly encoded and truncated bodies, headers, query strings and framing) against
 * every endpoint, with and without credentials, over raw sockets, so nothing is tidied up by a client
 * library on the way. It holds the dispatcher to: no answer of 5xx, every request answered within bounds
 * (only a request whose body was cut short, or that stalls, may be closed without one), no stack trace in
 * the log, and after each batch of refused requests the policy, the instances and every unit's capacity
 * accounting as before. A batch in which a change was taken (a valid policy patch, a push, a registration)
 * restores the policy and takes the settled state as the new baseline. It prints its counts.
 *
 * <p>A request whose chunked body Reactor Netty cannot decode is answered 400 by Reactor Netty itself, while
 * the dispatcher may act on its headers where the endpoint reads no body (a {@code DELETE}): such a request
 * counts as possibly taken, not as refused.
 *
 * <p>Reproducible: {@code -Dsbs.fuzz.seed=N} (default 15) and {@code -Dsbs.fuzz.requests=N} (default 10,200).
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "sbs.embedded.demo-qps=0",
    "sbs.embedded.profile=src/test/resources/test-profiles/fuzz.json",
    "sbs.security.users[0].name=viewer",
    "sbs.security.users[0].password={noop}" + HostileInputIT.VIEWER_PASSWORD,
    "sbs.security.users[0].roles=VIEWER",
    "sbs.security.users[1].name=operator",
    "sbs.security.users[1].password={noop}" + HostileInputIT.OPERATOR_PASSWORD,
    "sbs.security.users[1].roles=OPERATOR",
    "sbs.security.api-tokens[0].name=fuzz-viewer",
    "sbs.security.api-tokens[0].token=" + HostileInputIT.VIEWER_TOKEN,
    "sbs.security.api-tokens[0].roles=VIEWER",
    "sbs.security.api-tokens[1].name=fuzz-operator",
    "sbs.security.api-tokens[1].token=" + HostileInputIT.OPERATOR_TOKEN,
    "sbs.security.api-tokens[1].roles=OPERATOR",
    "sbs.engine-token=" + HostileInputIT.ENGINE_TOKEN,
    "sbs.request-read-timeout=1s",
    "server.netty.idle-timeout=2s",
    "sbs.preview.budget=5s",
    // registrations may only name this machine, whatever the fuzzer makes of a URL
    "sbs.instance-networks.allow=127.0.0.0/8,::1/128",
    // ten thousand refusals are ten thousand INFO lines; the suite counts them itself
    "logging.level.io.sbs.errors.ClientErrors=WARN",
    "logging.level.io.sbs.security.ThrottledAuthenticationManager=ERROR"})
class HostileInputIT {

    static final String VIEWER_PASSWORD = "fuzz-viewer-password";
    static final String OPERATOR_PASSWORD = "fuzz-operator-password";
    static final String VIEWER_TOKEN = "fuzz-viewer-token-0123456789";
    static final String OPERATOR_TOKEN = "fuzz-operator-token-0123456789";
    static final String ENGINE_TOKEN = "fuzz-engine-token-0123456789";

    private static final long SEED = Long.getLong("sbs.fuzz.seed", 15);
    private static final int REQUESTS = Integer.getInteger("sbs.fuzz.requests", 10_200);
    private static final int BATCH = 500;
    private static final int CONCURRENCY = 8;
    private static final int ANSWER_TIMEOUT_MS = 20_000;
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static EngineSimServer engine;

    @LocalServerPort
    int port;
    @Autowired
    LoggingSystem loggingSystem;
    @Autowired
    MeterRegistry meters;

    @BeforeAll
    static void startEngine() {
        engine = new EngineSimServer("fuzz-engine", ProfileLoader.load("src/test/resources/test-profiles/fuzz.json"), 0,
                9, report -> { });
    }

    @AfterAll
    static void stopEngine() {
        engine.close();
    }

    /** How a request ended: a status, or closed without one, or no answer in time. */
    private record Answer(int status, boolean closed, boolean timedOut, long nanos) {

        String kind() {
            return timedOut ? "unanswered" : closed ? "closed" : (status / 100) + "xx";
        }
    }

    @Test
    void hostileRequests_againstEveryEndpoint_noFiveHundreds_allAnswered_refusedOnesChangeNothing(CapturedOutput output)
            throws Exception {
        HostileRequests requests = new HostileRequests(SEED, new HostileRequests.Credentials(
                Caller.basic("viewer", VIEWER_PASSWORD), Caller.basic("operator", OPERATOR_PASSWORD), VIEWER_TOKEN,
                OPERATOR_TOKEN, ENGINE_TOKEN), engine.port());
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, Long> slowest = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int logMark = output.length();
        int sent = 0;
        int changes = 0;
        long sendNanos = 0;
        long started = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY);
        ExecutorService writers = Executors.newCachedThreadPool();
        try {
            JsonNode baseline = settled();
            while (sent < REQUESTS) {
                List<HostileRequests.Raw> batch = new ArrayList<>();
                for (int i = 0; i < BATCH && sent + i < REQUESTS; i++) {
                    batch.add(requests.next());
                }
                List<Callable<Answer>> calls = batch.stream().map(r -> (Callable<Answer>) () -> send(r, writers)).toList();
                long sending = System.nanoTime();
                List<Future<Answer>> answers = clients.invokeAll(calls);
                sendNanos += System.nanoTime() - sending;
                boolean changed = false;
                for (int i = 0; i < batch.size(); i++) {
                    HostileRequests.Raw r = batch.get(i);
                    Answer a = answers.get(i).get();
                    boolean mayClose = r.truncated() || r.slow();
                    if (a.closed() && !mayClose) {
                        // A server that refuses a request before reading its body (401, 403, 413) closes with
                        // the body unread, so its kernel resets the connection, and a client that reaches its
                        // read after the reset loses the answer; on a loaded machine that race is seen about
                        // once in 10,000. Sent again alone: a fault that closes connections does so twice.
                        a = send(r, writers);
                        counts.merge("resent", 1, Integer::sum);
                    }
                    counts.merge(a.kind(), 1, Integer::sum);
                    slowest.merge(r.label().substring(0, r.label().indexOf(" [")), a.nanos(), Long::sum);
                    if (a.timedOut() || a.status() >= 500 || (a.closed() && !mayClose)) {
                        failures.add(a.kind() + " " + a.status() + " for " + r.label() + ": " + new String(r.bytes(), 0,
                                Math.min(400, r.bytes().length), StandardCharsets.ISO_8859_1).replaceAll("\\p{Cntrl}", "~"));
                    }
                    changed |= r.changing() && (r.misframed() || (a.status() >= 200 && a.status() < 300));
                }
                sent += batch.size();
                if (changed) {
                    changes++;
                    restore();
                    baseline = settled();
                } else {
                    String drift = drift(baseline);
                    if (drift != null) {
                        failures.add("after requests " + (sent - batch.size()) + ".." + sent + ", refused ones all: " + drift);
                        baseline = settled();
                    }
                }
            }
        } finally {
            clients.shutdownNow();
            writers.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        String log = output.toString().substring(logMark);
        long stackFrames = log.lines().filter(l -> l.startsWith("\tat ")).count();
        System.out.printf("HostileInputIT: %d hostile requests in %.1f s (%.1f s sending, the rest checking the state; "
                + "seed %d): %s; %d of %d batches took a change (baseline renewed); %d stack-trace lines in the log%n",
                sent, seconds, sendNanos / 1e9, SEED, counts, changes, (sent + BATCH - 1) / BATCH, stackFrames);

        System.out.println("HostileInputIT: time per target, the five longest (s): " + slowest.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
                .map(e -> e.getKey() + " " + Math.round(e.getValue() / 1e8) / 10.0).toList());
        assertThat(failures).as("5xx, unanswered, closed without cause, or state changed by refused requests")
                .isEmpty();
        assertThat(sent).isGreaterThanOrEqualTo(Math.min(REQUESTS, 10_000));
        assertThat(stackFrames).as("client mistakes are logged in one line, without a stack trace").isZero();
        assertThat(log.lines().filter(l -> l.contains(" ERROR ")).toList())
                .as("no client mistake is logged as an error (a stalled body's second read timeout included)").isEmpty();
    }

    /**
     * An admin read still waiting on an engine (its health check) when Reactor Netty answers the request's
     * undecodable chunked body with its own 400 and closes: the read's answer meets a closed connection, and
     * that ends the exchange quietly. It had written an error answer over the committed response instead,
     * whose {@code UnsupportedOperationException} hid the cause and reached the log as an ERROR (CI, once in
     * the fuzz run, where the race is rare).
     */
    @Test
    void adminRead_outlivedByReactorNettysOwnAnswer_endsQuietly(CapturedOutput output) throws Exception {
        AtomicInteger healthAnswers = new AtomicInteger();
        DisposableServer slowEngine = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> Mono.delay(Duration.ofMillis(500))
                        .then(res.header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
                                .sendString(Mono.just("{}")).then())
                        .doOnSuccess(v -> {
                            if (req.uri().startsWith("/health")) {
                                healthAnswers.incrementAndGet();
                            }
                        }))
                .bindNow();
        loggingSystem.setLogLevel("io.sbs.errors.ClientErrors", LogLevel.INFO);
        try {
            client().post().uri("/api/v1/instances").header(HttpHeaders.AUTHORIZATION, "Bearer " + OPERATOR_TOKEN)
                    .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"id\":\"slow-health\",\"url\":\"http://127.0.0.1:"
                            + slowEngine.port() + "\",\"kind\":\"sglang\",\"dpUnits\":1,\"chunkTokens\":1024,"
                            + "\"bootstrapPort\":" + slowEngine.port() + "}")
                    .exchange().expectStatus().isCreated().expectBody();
            int logMark = output.length();
            int answersBefore = healthAnswers.get();
            long readsBefore = instanceReads();
            byte[] misframed = ("GET /api/v1/instances/slow-health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + VIEWER_TOKEN + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            Answer answer = send(new HostileRequests.Raw("GET /api/v1/instances/slow-health [bad-chunks]", misframed,
                    false, false, false, true), null);
            assertThat(answer.status()).as("Reactor Netty's own answer, while the read waits on the engine")
                    .isEqualTo(400);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> healthAnswers.get() > answersBefore);
            // the read goes on from the engine's answer to its own, on a connection closed meanwhile: the
            // exchange's request timer counts it when it has ended, whichever way
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> instanceReads() > readsBefore);
            String log = output.toString().substring(logMark);
            assertThat(log.lines().filter(l -> l.contains(" ERROR ") || l.contains("UnsupportedOperationException")
                    || l.contains("Failure in @ExceptionHandler")).toList()).isEmpty();
        } finally {
            loggingSystem.setLogLevel("io.sbs.errors.ClientErrors", LogLevel.WARN);
            client().delete().uri("/api/v1/instances/slow-health")
                    .header(HttpHeaders.AUTHORIZATION, "Bearer " + OPERATOR_TOKEN).exchange().expectBody().returnResult();
            slowEngine.disposeNow();
        }
    }

    /** Exchanges of {@code GET /api/v1/instances/{id}} that have ended, by Spring's request timer. */
    private long instanceReads() {
        return meters.find("http.server.requests").tag("uri", "/api/v1/instances/{id}").timers().stream()
                .mapToLong(Timer::count).sum();
    }

    /** Sends one raw request on its own connection and reads the status line of the answer. */
    private Answer send(HostileRequests.Raw r, ExecutorService writers) {
        long began = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(ANSWER_TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            byte[] bytes = r.slow() ? java.util.Arrays.copyOf(r.bytes(), Math.min(12, r.bytes().length)) : r.bytes();
            Runnable write = () -> {
                try {
                    out.write(bytes);
                    out.flush();
                    if (r.truncated()) {
                        socket.shutdownOutput();
                    }
                } catch (IOException e) {
                    // the server may answer (413, 400) and close before reading all of a large body
                }
            };
            if (bytes.length > 64 * 1024) {
                writers.submit(write);
            } else {
                write.run();
            }
            InputStream in = socket.getInputStream();
            String line;
            do {
                line = statusLine(in);
                if (line == null) {
                    return new Answer(0, true, false, System.nanoTime() - began);
                }
                if (line.startsWith("HTTP/1.1 100")) {
                    skipHeaders(in);
                }
            } while (line.startsWith("HTTP/1.1 100"));
            String[] parts = line.split(" ");
            return new Answer(parts.length > 1 ? Integer.parseInt(parts[1]) : 0, false, false, System.nanoTime() - began);
        } catch (SocketTimeoutException e) {
            return new Answer(0, false, true, System.nanoTime() - began);
        } catch (IOException e) {
            return new Answer(0, true, false, System.nanoTime() - began);
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return line.size() == 0 && b == -1 ? null : line.toString(StandardCharsets.ISO_8859_1).trim();
    }

    private static void skipHeaders(InputStream in) throws IOException {
        String line;
        while ((line = statusLine(in)) != null && !line.isEmpty()) {
            // the interim answer's headers
        }
    }

    private WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20))
                .build();
    }

    /**
     * What refused requests must leave alone: the policy (with its version), every instance and the state
     * vector of each of its DP units, the buffer and flow control. Engine health and the readiness counts are
     * left out: health is this node's check of the engines, and every accepted request's first token, every
     * load poll and the sliding window move the readiness counts, by design.
     */
    private JsonNode state() {
        ObjectNode cluster = (ObjectNode) JSON.readTree(read("/api/v1/cluster"));
        cluster.withArray("instances").forEach(i -> ((ObjectNode) i).remove(List.of("health", "readiness",
                "recentReadiness")));
        ObjectNode state = JSON.createObjectNode();
        state.set("cluster", cluster);
        state.set("policy", JSON.readTree(read("/api/v1/policies")));
        return state;
    }

    private String read(String path) {
        return client().get().uri(path).header(HttpHeaders.AUTHORIZATION, "Bearer " + VIEWER_TOKEN).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    /**
     * The state once nothing is in flight: nothing buffered, no unit with tokens or requests outstanding, and
     * the same in two reads a little apart.
     */
    private JsonNode settled() {
        JsonNode[] last = {state()};
        return Awaitility.await().atMost(SETTLE).pollDelay(Duration.ofMillis(300)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    JsonNode now = state();
                    boolean same = now.equals(last[0]) && idle(now);
                    last[0] = now;
                    return same ? now : null;
                }, s -> s != null);
    }

    private static boolean idle(JsonNode state) {
        JsonNode cluster = state.path("cluster");
        if (cluster.path("buffered").asInt() != 0) {
            return false;
        }
        for (JsonNode instance : cluster.path("instances")) {
            for (JsonNode unit : instance.path("units")) {
                if (unit.path("outstandingTokens").asLong() != 0 || unit.path("batchSize").asInt() != 0
                        || unit.path("kvTokens").asLong() != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** How the state differs from {@code baseline} once the batch's accepted requests are done; null when not. */
    private String drift(JsonNode baseline) {
        JsonNode[] now = {state()};
        try {
            Awaitility.await().atMost(SETTLE).pollInterval(Duration.ofMillis(250)).until(() -> {
                now[0] = state();
                return now[0].equals(baseline);
            });
            return null;
        } catch (ConditionTimeoutException e) {
            return "expected " + baseline + " but was " + now[0];
        }
    }

    /**
     * Takes back what a valid fuzzed change set: the policy, and the instance a registration added, so later
     * batches run on the cluster they started with.
     */
    private void restore() {
        client().put().uri("/api/v1/policies").header(HttpHeaders.AUTHORIZATION, "Bearer " + OPERATOR_TOKEN)
                .header(HttpHeaders.IF_MATCH, "*").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\":\"sbs\"}")
                .exchange().expectStatus().isOk().expectBody().returnResult();
        client().delete().uri("/api/v1/instances/fuzz-1").header(HttpHeaders.AUTHORIZATION, "Bearer " + OPERATOR_TOKEN)
                .exchange().expectBody().returnResult();
    }
}
