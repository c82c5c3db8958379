package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.web.RecordingEngine.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
    /** A queue the engine reports on every poll, from traffic the dispatcher did not send: 20 passes deep. */
    private static final int BACKLOG_REQUESTS = 20;
    private static final long BACKLOG_TOKENS = 20L * CHUNK;

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
     * Flow control: the only instance reports, on every poll, a queue 20 passes deep from traffic the
     * dispatcher did not send. Holding gains nothing there, so a request goes to the engine's queue; once a
     * request sent is expected to wait more than {@code overloadCycles} (8) passes beyond its own, new
     * requests get 429 with Retry-After, and they keep getting it while the queue stays that deep (no
     * decision renews the flag then). When the queue drains, every accepted request is answered, nothing
     * refused was sent, and flow control lifts.
     */
    @Test
    void overload_engineQueueDeeperThanKPasses_answers429WithRetryAfter_andEveryAcceptedRequestCompletes() {
        RecordingEngine a = sglang("tiny");
        a.busy(true);
        a.backlog(BACKLOG_REQUESTS, BACKLOG_TOKENS);
        a.hold();
        dispatcher = WireDispatcher.start(List.of(a), CHUNK);
        assertThat(dispatcher.endForward(WireDispatcher.idleWithBacklog(WireDispatcher.id(0), 1, PASS_MS, 0))
                .block(WireDispatcher.WAIT)).isEqualTo(204);
        // a poll has shown the dispatcher the engine's queue
        await().atMost(WireDispatcher.WAIT).until(() -> dispatcher.loop().snapshot().units().get(0)
                .backlogTokens() >= BACKLOG_TOKENS - CHUNK);

        List<CompletableFuture<Answer>> accepted = new ArrayList<>();
        accepted.add(send(100, "first"));
        await().atMost(WireDispatcher.WAIT).until(() -> dispatcher.loop().overloaded());
        assertThat(received(a, "first")).as("sent to the queue, where it finishes first").isOne();

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
        assertThat(dispatcher.loop().overloaded()).as("still on: the queue is as deep as before").isTrue();
        assertThat(accepted).noneMatch(CompletableFuture::isDone);

        // the queue drains: flow control lifts, every accepted request is answered, nothing refused was kept
        a.backlog(0, -1);
        a.busy(false);
        a.release();
        for (CompletableFuture<Answer> f : accepted) {
            Answer ok = done(f);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).contains("hello from tiny");
        }
        await().atMost(WireDispatcher.WAIT).until(() -> !dispatcher.loop().overloaded());
        assertThat(a.received()).extracting(Received::requestId).doesNotContain("refused-0", "refused-1", "refused-2",
                "refused-3", "refused-4");
        assertThat(dispatcher.loop().buffered()).isZero();
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
}
