package io.sbs.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The drill's clients: OpenAI {@code POST /v1/chat/completions} (not streaming, a few output tokens) at a
 * steady rate, each with its own {@code X-Request-Id} and a timeout, spread over the dispatchers in
 * rotation one request each, as a Kubernetes Service spreads connections. The drill takes a killed node
 * out of the rotation at once (an ideal Service; a real one lags by its endpoint updates, which would
 * only add refused connections the client is told about).
 *
 * <p>Each request ends in one {@link Outcome}: an answer 2xx with a body is completed; any other answer,
 * and a connection refused or reset, is an error the client was told about; no answer within the
 * timeout is lost. Request {@code i} is due at {@code start + i / qps} and sent by one pacing thread
 * without waiting for earlier answers.
 */
final class ClientLoad {

    enum Outcome { COMPLETED, FAILED_WITH_ERROR, LOST }

    /**
     * One request: where it went, when it was sent and ended ({@link System#nanoTime}), how it ended, and
     * the HTTP status or the failure's kind.
     */
    record Result(String requestId, String node, long sentNanos, long endedNanos, Outcome outcome, String detail) {
    }

    /** A dispatcher in the rotation. */
    record Target(String node, URI baseUrl) {
    }

    static final String BODY = "{\"model\":\"sbs\",\"stream\":false,\"max_tokens\":4,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"" + "chaos ".repeat(40) + "\"}]}";

    private final HttpClient http;
    private final double qps;
    private final Duration timeout;
    private final String idPrefix;
    private final AtomicReference<List<Target>> rotation;
    private final List<Pending> pending = new ArrayList<>();
    private final AtomicLong lastCompleted = new AtomicLong(Long.MIN_VALUE);
    private volatile boolean stopping;
    private @Nullable Thread pacer;
    private long startedNanos;

    private record Pending(String requestId, String node, long sentNanos, CompletableFuture<Result> result) {
    }

    ClientLoad(HttpClient http, double qps, Duration timeout, String idPrefix, List<Target> targets) {
        if (!(qps > 0) || targets.isEmpty()) {
            throw new IllegalArgumentException("need a positive rate and at least one target");
        }
        this.http = http;
        this.qps = qps;
        this.timeout = timeout;
        this.idPrefix = idPrefix;
        this.rotation = new AtomicReference<>(List.copyOf(targets));
    }

    /** Replaces the rotation from the next request on. */
    void route(List<Target> targets) {
        rotation.set(List.copyOf(targets));
    }

    /** Starts sending; returns the start time ({@link System#nanoTime}). */
    synchronized long start() {
        startedNanos = System.nanoTime();
        pacer = new Thread(this::pace, "chaos-load-" + idPrefix);
        pacer.setDaemon(true);
        pacer.start();
        return startedNanos;
    }

    private void pace() {
        double period = 1e9 / qps;
        for (long i = 0; !stopping; i++) {
            long due = startedNanos + Math.round(i * period);
            for (long wait = due - System.nanoTime(); wait > 0 && !stopping; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            if (stopping) {
                return;
            }
            List<Target> targets = rotation.get();
            if (!targets.isEmpty()) {
                send(targets.get((int) (i % targets.size())), idPrefix + "-" + i);
            }
        }
    }

    private void send(Target target, String requestId) {
        HttpRequest request = HttpRequest.newBuilder(target.baseUrl().resolve("/v1/chat/completions"))
                .timeout(timeout).header("Content-Type", "application/json").header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
        long sent = System.nanoTime();
        CompletableFuture<Result> result = http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                // the request's own timeout ends at the headers; this one also bounds a body that stalls
                .orTimeout(timeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS)
                .handle((response, failure) -> classify(requestId, target.node(), sent, response, failure))
                .whenComplete((r, e) -> {
                    if (r != null && r.outcome() == Outcome.COMPLETED) {
                        lastCompleted.accumulateAndGet(r.endedNanos(), Math::max);
                    }
                });
        synchronized (pending) {
            pending.add(new Pending(requestId, target.node(), sent, result));
        }
    }

    static Result classify(String requestId, String node, long sent, @Nullable HttpResponse<String> response,
            @Nullable Throwable failure) {
        long ended = System.nanoTime();
        if (failure == null && response != null) {
            int status = response.statusCode();
            boolean ok = status / 100 == 2 && response.body() != null && !response.body().isBlank();
            return new Result(requestId, node, sent, ended, ok ? Outcome.COMPLETED : Outcome.FAILED_WITH_ERROR,
                    Integer.toString(status));
        }
        if (failure == null) {
            return new Result(requestId, node, sent, ended, Outcome.FAILED_WITH_ERROR, "no-response");
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            return new Result(requestId, node, sent, ended, Outcome.LOST, "timeout");
        }
        String kind = cause instanceof IOException ? cause.getClass().getSimpleName() : "client-" + cause.getClass()
                .getSimpleName();
        return new Result(requestId, node, sent, ended, Outcome.FAILED_WITH_ERROR, kind);
    }

    /** Stops sending; returns the time of the stop ({@link System#nanoTime}). */
    synchronized long stop() throws InterruptedException {
        stopping = true;
        if (pacer != null) {
            LockSupport.unpark(pacer);
            pacer.join();
        }
        return System.nanoTime();
    }

    /** When the latest completion so far arrived ({@link System#nanoTime}); {@code Long.MIN_VALUE} before any. */
    long lastCompletedNanos() {
        return lastCompleted.get();
    }

    /**
     * Every request's result, once each has ended (answered, failed or timed out: at most the timeout and
     * a second after the last was sent).
     */
    List<Result> results() throws InterruptedException {
        List<Pending> all;
        synchronized (pending) {
            all = List.copyOf(pending);
        }
        List<Result> out = new ArrayList<>(all.size());
        for (Pending p : all) {
            try {
                out.add(p.result().get(timeout.toSeconds() + 5, TimeUnit.SECONDS));
            } catch (ExecutionException | TimeoutException e) {
                // handle() never fails and orTimeout bounds it; this is only a guard against a hung client
                out.add(new Result(p.requestId(), p.node(), p.sentNanos(), System.nanoTime(), Outcome.LOST,
                        "unresolved"));
            }
        }
        return out;
    }
}
