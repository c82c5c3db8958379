package io.sbs.bench.live;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.LengthDistribution;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The benchmark's clients: streaming OpenAI chat completions on Reactor Netty's HTTP client, one event-loop
 * thread, a connection pool large enough that every request of a run can be open at once (an open loop
 * must never queue a request behind another's connection, or the client would shape the arrivals).
 *
 * <p>Time to first token is taken on the event loop when the first SSE chunk that carries content arrives:
 * a chunk with a non-empty {@code choices[0].delta.content} (chat) or {@code choices[0].text}. Role-only
 * chunks, which SGLang and vLLM send first, and error events do not count.
 */
final class StreamingClient implements AutoCloseable {

    static final String PATH = "/v1/chat/completions";
    /**
     * Tokens each request asks for. Only the first matters here; a few more keep the stream open past it,
     * as a real answer does, while keeping the client's and dispatcher's CPU per request small.
     */
    static final int MAX_TOKENS = 4;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(60);
    /** Enough for every request of a run at a few hundred per second to wait tens of seconds at once. */
    private static final int MAX_CONNECTIONS = 8192;

    private final LoopResources loops = LoopResources.create("live-load", 1, true);
    private final ConnectionProvider pool = ConnectionProvider.builder("live-load").maxConnections(MAX_CONNECTIONS)
            .pendingAcquireMaxCount(-1).build();
    private final HttpClient http = HttpClient.create(pool).runOn(loops).responseTimeout(STREAM_TIMEOUT)
            .headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"));

    /** A chat completion whose prompt is {@code promptTokens} long by the four-characters-per-token estimate. */
    static String chatBody(int promptTokens, int dpRank) {
        // "tok " is four characters: the dispatcher (no tokenizer configured) and the engine simulator both
        // count ceil(chars / 4) = promptTokens, so the allocators and the engine see the same length
        String rank = dpRank >= 0 ? ",\"data_parallel_rank\":" + dpRank : "";
        return "{\"model\":\"sbs\",\"stream\":true,\"max_tokens\":" + MAX_TOKENS + rank
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + "tok ".repeat(promptTokens) + "\"}]}";
    }

    /** Whether the payload of one {@code data:} line carries generated content. */
    static boolean carriesContent(String data) {
        if (data.isEmpty() || data.equals("[DONE]")) {
            return false;
        }
        try {
            JsonNode choice = JSON.readTree(data).path("choices").path(0);
            return !choice.path("delta").path("content").asString("").isEmpty()
                    || !choice.path("text").asString("").isEmpty();
        } catch (JacksonException e) {
            return false;
        }
    }

    /**
     * One request to {@code baseUrl}; completes with {@code outcome} when its answer has ended, whatever the
     * answer (the outcome says what it was), never with an error.
     */
    Mono<Outcome> exchange(String baseUrl, String body, Outcome outcome) {
        return exchange(baseUrl, PATH, body, outcome);
    }

    /** {@link #exchange(String, String, Outcome)} to {@code path} ({@code /v1/completions}, ...). */
    Mono<Outcome> exchange(String baseUrl, String path, String body, Outcome outcome) {
        return Mono.defer(() -> {
            outcome.sent(System.nanoTime());
            return http.post().uri(baseUrl + path).send(ByteBufFlux.fromString(Mono.just(body)))
                    .response((res, content) -> {
                        outcome.status(res.status().code());
                        if (res.status().code() != 200) {
                            return content.then();
                        }
                        SseLines lines = new SseLines(outcome);
                        return content.asString(StandardCharsets.UTF_8).doOnNext(lines::feed).then();
                    })
                    .then(Mono.fromCallable(() -> outcome.ended()))
                    .onErrorResume(e -> Mono.just(outcome.ended()));
        });
    }

    /** What an open-loop run saw: one outcome per request, in arrival order. */
    record Replay(Outcome[] outcomes, long startNanos, long deadlineNanos) {
    }

    /**
     * Sends {@code requests} open loop: request {@code i} at {@code start + arrivalNanos}, whatever became of
     * the earlier ones. Waits until every answer has ended or {@code drain} has passed since the last arrival;
     * requests still open then are cancelled (the dispatcher gives back what they held) and reported unfinished.
     */
    Replay replay(String baseUrl, List<WorkloadRequest> requests, Duration drain) throws InterruptedException {
        return replay(baseUrl, PATH, requests, r -> chatBody(requests.get(r).promptTokens(), -1), drain);
    }

    /**
     * {@link #replay(String, List, Duration)} to {@code path}, request {@code i}'s body {@code bodies.apply(i)},
     * taken when it is due: large bodies should be built before the run, so building them delays no send.
     */
    Replay replay(String baseUrl, String path, List<WorkloadRequest> requests, IntFunction<String> bodies,
            Duration drain) throws InterruptedException {
        int n = requests.size();
        Outcome[] outcomes = new Outcome[n];
        Disposable[] calls = new Disposable[n];
        CountDownLatch done = new CountDownLatch(n);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        for (int i = 0; i < n; i++) {
            WorkloadRequest r = requests.get(i);
            long due = start + r.arrivalNanos();
            // parks rather than spins: a spinning client would take a core from the engines it measures
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            Outcome o = new Outcome(due, r.promptTokens());
            outcomes[i] = o;
            calls[i] = exchange(baseUrl, path, bodies.apply(i), o).doFinally(s -> done.countDown()).subscribe();
        }
        long lastDue = n == 0 ? start : outcomes[n - 1].dueNanos();
        long deadline = lastDue + drain.toNanos();
        done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        for (int i = 0; i < n; i++) {
            if (!outcomes[i].hasEnded()) {
                calls[i].dispose();
            }
        }
        return new Replay(outcomes, start, Math.min(deadline, System.nanoTime()));
    }

    /** What a saturating closed loop saw. */
    record Saturation(int callers, double seconds, long firstTokens, long sent, long failed) {

        double requestsPerSecond() {
            return firstTokens / seconds;
        }
    }

    /**
     * {@code callers} callers, each sending its next request as soon as its previous answer ended, for
     * {@code ramp + measure}; counts the requests whose first token came within the {@code measure} window.
     *
     * @param target  caller number to its base URL and the DP rank it pins ({@code data_parallel_rank})
     * @param prompts prompt lengths, drawn in turn by all callers (seeded)
     */
    Saturation saturate(int callers, IntFunction<Target> target, PromptSampler prompts, Duration ramp, Duration measure) {
        long start = System.nanoTime();
        long from = start + ramp.toNanos();
        long until = from + measure.toNanos();
        LongAdder inWindow = new LongAdder();
        LongAdder sent = new LongAdder();
        LongAdder failed = new LongAdder();
        Flux.range(0, callers)
                .flatMap(caller -> Mono.defer(() -> {
                    Target t = target.apply(caller);
                    int tokens = prompts.next();
                    sent.increment();
                    return exchange(t.baseUrl(), chatBody(tokens, t.dpRank()), new Outcome(System.nanoTime(), tokens));
                }).doOnNext(o -> {
                    long first = o.firstContentNanos();
                    if (first >= from && first < until) {
                        inWindow.increment();
                    } else if (first == Outcome.NONE) {
                        failed.increment();
                    }
                }).repeat(() -> System.nanoTime() < until), callers)
                .then()
                .block(ramp.plus(measure).plus(STREAM_TIMEOUT).plusSeconds(10));
        return new Saturation(callers, measure.toNanos() / 1e9, inWindow.sum(), sent.sum(), failed.sum());
    }

    /** Where a closed-loop caller sends: an engine's base URL and the DP rank it pins. */
    record Target(String baseUrl, int dpRank) {
    }

    /** Prompt lengths shared by concurrent callers, from one seeded stream. */
    static final class PromptSampler {
        private final LengthDistribution lengths;
        private final SplittableRandom random;

        PromptSampler(LengthDistribution lengths, long seed) {
            this.lengths = lengths;
            this.random = new SplittableRandom(seed);
        }

        synchronized int next() {
            return Math.max(1, lengths.sample(random));
        }
    }

    /** Finds the first content chunk in a stream that may split lines anywhere. */
    private static final class SseLines {
        private final Outcome outcome;
        private final StringBuilder pending = new StringBuilder();

        SseLines(Outcome outcome) {
            this.outcome = outcome;
        }

        void feed(String chunk) {
            long now = System.nanoTime();
            if (outcome.firstContentNanos() != Outcome.NONE) {
                return; // the rest of the stream cannot change what is measured
            }
            pending.append(chunk);
            for (int nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
                String line = pending.substring(0, nl).strip();
                pending.delete(0, nl + 1);
                if (line.startsWith("data:") && carriesContent(line.substring(5).strip())) {
                    outcome.firstContent(now);
                    pending.setLength(0);
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(10));
        loops.disposeLater().block(Duration.ofSeconds(10));
    }
}
