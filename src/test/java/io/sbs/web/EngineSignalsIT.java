package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.web.RecordingEngine.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How engine signals and client behaviour steer the real dispatcher (SBS unless said otherwise), seen
 * only on the wire: which recording engine receives which request. Each test starts its own engines and
 * dispatcher, since each needs engines that misbehave differently.
 *
 * <p>Prompts are sent as token ids ({@code /v1/completions} with an id array), so their length in
 * tokens is exact and the capacity arithmetic below is too.
 */
class EngineSignalsIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CHUNK = 1000;
    // Reported pass time in the flow-control tests: it sets the interval Δ, and 8 intervals (1.6 s) must
    // pass before flow control turns on, ample time for a burst to arrive whole.
    private static final int PASS_MS = 200;

    private final List<RecordingEngine> engines = new ArrayList<>();
    private final List<Disposable> clients = new ArrayList<>();
    private WireDispatcher dispatcher;

    @AfterEach
    void stop() {
        clients.forEach(Disposable::dispose);
        if (dispatcher != null) {
            dispatcher.close();
        }
        engines.forEach(RecordingEngine::close);
    }

    private RecordingEngine sglang(String name) {
        RecordingEngine e = RecordingEngine.sglang(name, 1);
        engines.add(e);
        return e;
    }

    /** An answer as the client saw it. */
    record Answer(int status, String retryAfter, MediaType contentType, String body) {
    }

    private static String prompt(int tokens, String extra) {
        return "{\"model\":\"m\",\"max_tokens\":4,\"prompt\":[" + String.join(",", Collections.nCopies(tokens, "7")) + "]"
                + extra + "}";
    }

    /** Sends a completion request and returns its answer when it comes; the client stays until the test ends. */
    private CompletableFuture<Answer> send(int tokens, String requestId) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        clients.add(dispatcher.client().post().uri("/v1/completions").contentType(MediaType.APPLICATION_JSON)
                .header("X-Request-Id", requestId).bodyValue(prompt(tokens, ""))
                .exchangeToMono(r -> r.bodyToMono(String.class).defaultIfEmpty("").map(body -> new Answer(
                        r.statusCode().value(), r.headers().asHttpHeaders().getFirst("Retry-After"),
                        r.headers().contentType().orElse(null), body)))
                .subscribe(answer::complete, answer::completeExceptionally));
        return answer;
    }

    private static Answer done(CompletableFuture<Answer> answer) {
        return answer.orTimeout(WireDispatcher.WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join();
    }

    private static long received(RecordingEngine e, String requestId) {
        return e.received().stream().filter(r -> requestId.equals(r.requestId())).count();
    }

    /** Waits until the engine has answered {@code n} more polls, so any answer it gave before is processed. */
    private static void awaitPolls(RecordingEngine e, int n) {
        int before = e.polls().size();
        await().atMost(WireDispatcher.WAIT).until(() -> e.polls().size() >= before + n);
    }

    @Test
    void endForward_backlogReportedByOneInstance_steersNewRequestsToTheOther() {
        RecordingEngine a = sglang("a");
        RecordingEngine b = sglang("b");
        dispatcher = WireDispatcher.start(List.of(a, b), CHUNK);

        // both idle: the tie goes to the first instance
        assertThat(done(send(100, "first")).status()).isEqualTo(200);
        assertThat(received(a, "first")).isOne();

        // a's polls now say busy, so only EndForward speaks about its queue: 10 passes of backlog
        a.busy(true);
        awaitPolls(a, 2);
        assertThat(dispatcher.endForward(WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 1, 20, 10L * CHUNK))
                .block(WireDispatcher.WAIT)).isEqualTo(204);
        for (int i = 0; i < 3; i++) {
            assertThat(done(send(100, "steered-" + i)).status()).isEqualTo(200);
            assertThat(received(b, "steered-" + i)).as("request %d after a reported backlog", i).isOne();
        }
        assertThat(a.received()).hasSize(1);

        // and back: b reports a backlog, a reports its queue drained
        b.busy(true);
        awaitPolls(b, 2);
        assertThat(dispatcher.endForward(WireDispatcher.idleWithBacklog(WireDispatcher.id(1), 1, 20, 10L * CHUNK))
                .block(WireDispatcher.WAIT)).isEqualTo(204);
        assertThat(dispatcher.endForward(WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 1, 20, 0))
                .block(WireDispatcher.WAIT)).isEqualTo(204);
        a.busy(false);
        for (int i = 0; i < 3; i++) {
            assertThat(done(send(100, "back-" + i)).status()).isEqualTo(200);
            assertThat(received(a, "back-" + i)).as("request %d after b reported backlog", i).isOne();
        }
        assertThat(b.received()).hasSize(3);
    }

    /**
     * Engine a goes silent: its polls answer 503 and it never answers a request (nor pushes EndForward).
     * Each request sent to it arms the watchdog ({@code k_w * T̄_fwd}, 300 ms at cold start with two
     * instances); each fire makes it idle, so the next request goes to it again, until
     * {@code suspectAfterFires} (3) consecutive fires mark it suspect. From then on it must get nothing.
     */
    @Test
    void watchdog_silencedInstance_isSuspected_andNewRequestsGoOnlyToTheHealthyOne() {
        RecordingEngine a = sglang("silent");
        RecordingEngine b = sglang("healthy");
        a.polls(RecordingEngine.Polls.FAIL);
        a.hold();
        dispatcher = WireDispatcher.start(List.of(a, b), CHUNK);

        // Requests go one at a time, each once the previous one reached an engine. While a is not
        // suspect, a fire makes it idle and the tie sends it the next request, at least once per
        // watchdog period. So a is suspect once it has gone without a request for several periods
        // (2 s is over 6 of them) while b kept receiving.
        long quietSince = System.nanoTime();
        int quietRequests = 0;
        int sent = 0;
        List<CompletableFuture<Answer>> toHealthy = new ArrayList<>();
        while (a.received().size() < 3 || quietRequests < 10
                || System.nanoTime() - quietSince < Duration.ofSeconds(2).toNanos()) {
            assertThat(sent).as("requests sent without the silent engine being left alone").isLessThan(400);
            int atA = a.received().size();
            int total = atA + b.received().size();
            CompletableFuture<Answer> answer = send(100, "w-" + sent++);
            await().atMost(WireDispatcher.WAIT).until(() -> a.received().size() + b.received().size() > total);
            if (a.received().size() > atA) {
                quietSince = System.nanoTime();
                quietRequests = 0;
            } else {
                quietRequests++;
                toHealthy.add(answer);
            }
        }
        assertThat(a.received().size()).as("dispatches it took to fire the watchdog 3 times").isGreaterThanOrEqualTo(3);
        assertThat(toHealthy).allSatisfy(f -> assertThat(done(f).status()).isEqualTo(200));

        // a suspect is still polled, and one answer brings it back: the tie is its again
        a.release();
        a.polls(RecordingEngine.Polls.ANSWER);
        awaitPolls(a, 2);
        assertThat(done(send(100, "back")).status()).isEqualTo(200);
        assertThat(received(a, "back")).isOne();
    }

    /**
     * Flow control: the only instance reports a backlog that leaves 5 tokens of room, so a burst of
     * 100-token prompts stays buffered; after {@code overloadCycles} (8) intervals ({@code Δ}, here the
     * reported pass time) new requests get 429. When the backlog drains, every accepted request is sent
     * and answered.
     */
    @Test
    void overload_burstBeyondCapacity_answers429WithRetryAfter_andEveryAcceptedRequestCompletes() {
        RecordingEngine a = sglang("tiny");
        a.busy(true);
        a.hold();
        dispatcher = WireDispatcher.start(List.of(a), CHUNK);
        assertThat(dispatcher.endForward(WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 1, PASS_MS, CHUNK - 5))
                .block(WireDispatcher.WAIT)).isEqualTo(204);

        List<CompletableFuture<Answer>> accepted = IntStream.range(0, 10).mapToObj(i -> send(100, "burst-" + i)).toList();
        await().atMost(WireDispatcher.WAIT).until(() -> dispatcher.loop().overloaded());

        for (int i = 0; i < 5; i++) {
            Answer refused = done(send(100, "refused-" + i));
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.retryAfter()).isEqualTo("1");
            assertThat(refused.contentType()).isNotNull();
            assertThat(refused.contentType().isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
            JsonNode error = JSON.readTree(refused.body()).path("error");
            assertThat(error.path("code").asString()).isEqualTo("overloaded");
            assertThat(error.path("message").asString()).contains("overloaded");
        }
        assertThat(a.received()).isEmpty();
        assertThat(accepted).noneMatch(CompletableFuture::isDone);

        // the backlog drains: all ten prompts (1000 tokens) fit the pass, and nothing refused was kept
        assertThat(dispatcher.endForward(WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 1, PASS_MS, 0))
                .block(WireDispatcher.WAIT)).isEqualTo(204);
        await().atMost(WireDispatcher.WAIT).until(() -> a.received().size() == 10);
        a.busy(false);
        a.release();
        for (CompletableFuture<Answer> f : accepted) {
            Answer ok = done(f);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).contains("hello from tiny");
        }
        assertThat(a.received()).extracting(Received::requestId).doesNotContain("refused-0", "refused-1", "refused-2",
                "refused-3", "refused-4");
        assertThat(dispatcher.loop().buffered()).isZero();
        assertThat(dispatcher.loop().overloaded()).isFalse();
        assertThat(done(send(100, "after")).status()).isEqualTo(200);
    }

    /** A streaming client that leaves while engine a holds its answer: the engine sees its connection closed. */
    @Test
    void clientCancel_whileEngineHoldsTheAnswer_closesTheEngineConnection() {
        RecordingEngine a = sglang("a");
        a.hold();
        dispatcher = WireDispatcher.start(List.of(a), CHUNK);

        leaveWhileEngineHolds(a);
        assertThat(a.held()).isZero();
    }

    /**
     * After a client left as above, the prompt's tokens stop counting against the unit. Observed with the
     * least-outstanding-tokens baseline, whose routing is those counts: two idle units tie and the first
     * wins, so the next request goes to the first unit again only if the abandoned one was released.
     */
    @Test
    void clientCancel_whileEngineHoldsTheAnswer_freesOutstandingTokens() {
        RecordingEngine a = sglang("a");
        RecordingEngine b = sglang("b");
        a.hold();
        dispatcher = WireDispatcher.start(List.of(a, b), CHUNK, "sbs.policy=least-outstanding-tokens");

        leaveWhileEngineHolds(a);

        a.release();
        assertThat(done(send(100, "next")).status()).isEqualTo(200);
        assertThat(received(a, "next")).as("the next request goes where the abandoned one was").isOne();
        assertThat(b.received()).isEmpty();
    }

    private void leaveWhileEngineHolds(RecordingEngine a) {
        Disposable stream = dispatcher.client().post().uri("/v1/completions").contentType(MediaType.APPLICATION_JSON)
                .header("X-Request-Id", "leaves").bodyValue(prompt(500, ",\"stream\":true"))
                .retrieve().bodyToFlux(String.class).subscribe();
        clients.add(stream);
        await().atMost(WireDispatcher.WAIT).until(() -> received(a, "leaves") == 1);
        assertThat(a.abandoned()).isEmpty();
        stream.dispose();

        await().atMost(WireDispatcher.WAIT).until(() -> a.abandoned().size() == 1);
        assertThat(a.abandoned().get(0).requestId()).isEqualTo("leaves");
    }

    /**
     * As above for an engine that fails the request: the client gets 502, and the prompt's tokens stop
     * counting against the unit, so the next request goes to the first unit again.
     */
    @Test
    void engineFailure_answers502_andFreesOutstandingTokens() {
        RecordingEngine a = sglang("a");
        RecordingEngine b = sglang("b");
        a.failAnswers(500);
        dispatcher = WireDispatcher.start(List.of(a, b), CHUNK, "sbs.policy=least-outstanding-tokens");

        Answer failed = done(send(500, "fails"));
        assertThat(failed.status()).isEqualTo(502);
        assertThat(received(a, "fails")).isOne();

        a.failAnswers(0);
        assertThat(done(send(100, "next")).status()).isEqualTo(200);
        assertThat(received(a, "next")).as("the next request goes where the failed one was").isOne();
        assertThat(b.received()).isEmpty();
    }

    /**
     * Clients that give up on buffered requests: their exchanges end on the dispatcher (it records them
     * as ended without a status), and when capacity comes back none of them is sent to the engine.
     */
    @Test
    void clientCancel_whileBuffered_neverReachesTheEngine() {
        RecordingEngine a = sglang("tiny");
        a.busy(true);
        dispatcher = WireDispatcher.start(List.of(a), CHUNK);
        overloadWithTenBufferedRequests(a);
        abandonTheBufferedClients();

        a.busy(false);
        assertThat(dispatcher.endForward(WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 1, PASS_MS, 0))
                .block(WireDispatcher.WAIT)).isEqualTo(204);
        // the withdrawn decisions do not hold capacity either: the next request is sent at once
        assertThat(done(send(100, "after")).status()).isEqualTo(200);
        assertThat(a.received()).extracting(Received::requestId).containsExactly("after");
        assertThat(dispatcher.loop().buffered()).isZero();
        assertThat(dispatcher.loop().overloaded()).isFalse();
    }

    /**
     * As above, but without capacity coming back: requests whose clients left should stop counting, so
     * the buffer empties and flow control lifts; otherwise clients that time out and retry keep the
     * dispatcher answering 429 for requests nobody waits for.
     */
    @Test
    void clientCancel_whileBufferedUnderOverload_emptiesTheBuffer_andLiftsFlowControl() {
        RecordingEngine a = sglang("tiny");
        a.busy(true);
        dispatcher = WireDispatcher.start(List.of(a), CHUNK);
        overloadWithTenBufferedRequests(a);
        abandonTheBufferedClients();

        await().atMost(WireDispatcher.WAIT).untilAsserted(() -> {
            assertThat(dispatcher.loop().buffered()).isZero();
            assertThat(dispatcher.loop().overloaded()).isFalse();
        });
        assertThat(a.received()).isEmpty();
    }

    /** The only instance reports 5 tokens of room; ten 100-token prompts wait until flow control is on. */
    private void overloadWithTenBufferedRequests(RecordingEngine a) {
        assertThat(dispatcher.endForward(WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 1, PASS_MS, CHUNK - 5))
                .block(WireDispatcher.WAIT)).isEqualTo(204);
        IntStream.range(0, 10).forEach(i -> send(100, "gone-" + i));
        await().atMost(WireDispatcher.WAIT).until(() -> dispatcher.loop().overloaded());
        assertThat(dispatcher.loop().buffered()).isEqualTo(10);
        assertThat(a.received()).isEmpty();
    }

    /**
     * Completion exchanges that ended without a status (the client went away), from the dispatcher's
     * own HTTP server metrics: the sign that it has seen the cancellations.
     */
    private long abandonedExchanges() {
        String exposition = dispatcher.client().get().uri("/actuator/prometheus").retrieve().bodyToMono(String.class)
                .block(WireDispatcher.WAIT);
        return exposition.lines()
                .filter(l -> l.startsWith("http_server_requests_seconds_count{") && l.contains("uri=\"/v1/completions\"")
                        && l.contains("status=\"UNKNOWN\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** The ten buffered requests' clients go away; waits until the dispatcher has seen every exchange end. */
    private void abandonTheBufferedClients() {
        clients.forEach(Disposable::dispose);
        clients.clear();
        await().atMost(WireDispatcher.WAIT).until(() -> abandonedExchanges() == 10);
    }
}
