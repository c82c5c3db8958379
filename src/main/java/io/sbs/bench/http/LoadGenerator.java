package io.sbs.bench.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The load generator: reactor-netty's HTTP/1.1 client with a pool of keep-alive connections per target,
 * on event loops of its own.
 *
 * <p>Open loop ({@link #openLoop}): request {@code i} is due at {@code start + i / rate}; one pacing thread
 * parks until then and fires it without waiting for earlier answers. Latency runs from the due time, not
 * the actual send, which corrects for coordinated omission: when a proxy stalls, the requests that
 * should have gone out meanwhile are charged the stall. The pacing thread parks rather than spins, since
 * spinning would take a core from the proxy under test on a small machine; its wake-up lateness is in
 * every path's figures alike and cancels out of the added latency. Closed loop ({@link #closedLoop}):
 * {@code connections} callers each send their next request as soon as the previous one is answered.
 */
final class LoadGenerator implements AutoCloseable {

    /** A small chat request; the instant engine ignores it, the dispatcher parses and measures it. */
    static final String BODY = "{\"model\":\"instant\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Say ok.\"}]}";
    static final String PATH = "/v1/chat/completions";

    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(10);

    private final LoopResources loops;
    private final int connections;

    /**
     * @param connections keep-alive connections per target, and the callers of the closed loop
     * @param threads     event-loop threads of the generator
     */
    LoadGenerator(int connections, int threads) {
        this.connections = connections;
        this.loops = LoopResources.create("bench-load", threads, true);
    }

    /** What one run saw. {@code statuses} counts answers by HTTP status; {@code errors} are failed calls. */
    record Run(long sent, long ok, Map<Integer, Long> statuses, long errors, double seconds, long[] latencyNanos) {

        double requestsPerSecond() {
            return ok / seconds;
        }
    }

    private final class Target implements AutoCloseable {
        final ConnectionProvider pool;
        final HttpClient client;
        final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        final LongAdder errors = new LongAdder();

        Target(String baseUrl) {
            // No acquire timeout: with one, every acquire that races a connection's release arms and
            // cancels a timer on Reactor's parallel scheduler, which cost the generator a tenth of a core
            // per thread; the response timeout and the callers' own bounds still end a hung run.
            pool = ConnectionProvider.builder("bench-load").maxConnections(connections)
                    .pendingAcquireMaxCount(-1).pendingAcquireTimeout(Duration.ZERO).build();
            client = HttpClient.create(pool).runOn(loops).baseUrl(baseUrl).responseTimeout(RESPONSE_TIMEOUT)
                    .headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"));
        }

        /** One call; emits its HTTP status, or completes empty after counting an error. */
        Mono<Integer> call() {
            return client.post().uri(PATH).send(ByteBufFlux.fromString(Mono.just(BODY)))
                    .responseSingle((res, body) -> body.asByteArray().defaultIfEmpty(new byte[0])
                            .map(b -> res.status().code()))
                    .doOnNext(code -> statuses.computeIfAbsent(code, c -> new LongAdder()).increment())
                    .onErrorResume(e -> {
                        errors.increment();
                        return Mono.empty();
                    });
        }

        Map<Integer, Long> statusCounts() {
            Map<Integer, Long> out = new TreeMap<>();
            statuses.forEach((k, v) -> out.put(k, v.sum()));
            return out;
        }

        @Override
        public void close() {
            pool.disposeLater().block(Duration.ofSeconds(10));
        }
    }

    /**
     * {@code rate} requests per second for {@code duration} to {@code baseUrl}; every request's latency
     * from its due time, for those answered 200.
     */
    Run openLoop(String baseUrl, double rate, Duration duration) throws InterruptedException {
        int n = (int) Math.max(1, Math.round(rate * duration.toNanos() / 1e9));
        long[] latency = new long[n];
        boolean[] ok = new boolean[n];
        CountDownLatch done = new CountDownLatch(n);
        try (Target t = new Target(baseUrl)) {
            double period = 1e9 / rate;
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            for (int i = 0; i < n; i++) {
                long due = start + Math.round(i * period);
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                int index = i;
                t.call().subscribe(code -> {
                    latency[index] = System.nanoTime() - due;
                    ok[index] = code == 200;
                }, e -> done.countDown(), done::countDown);
            }
            long sentAll = System.nanoTime();
            boolean finished = done.await(RESPONSE_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
            // one pass: after a timed-out wait, late answers still land while this reads
            long[] samples = IntStream.range(0, n).filter(i -> ok[i]).mapToLong(i -> latency[i]).toArray();
            long errors = t.errors.sum() + (finished ? 0 : done.getCount());
            return new Run(n, samples.length, t.statusCounts(), errors, (sentAll - start) / 1e9, samples);
        }
    }

    /** {@link #connections} callers back to back for {@code duration}; latencies are not kept. */
    Run closedLoop(String baseUrl, Duration duration) {
        try (Target t = new Target(baseUrl)) {
            LongAdder ok = new LongAdder();
            LongAdder sent = new LongAdder();
            long start = System.nanoTime();
            long deadline = start + duration.toNanos();
            Flux.range(0, connections)
                    .flatMap(caller -> Mono.defer(() -> {
                        sent.increment();
                        return t.call();
                    }).doOnNext(code -> {
                        if (code == 200) {
                            ok.increment();
                        }
                    }).repeat(() -> System.nanoTime() < deadline), connections)
                    .then()
                    .block(duration.plus(RESPONSE_TIMEOUT).plusSeconds(5));
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Run(sent.sum(), ok.sum(), t.statusCounts(), t.errors.sum(), seconds, new long[0]);
        }
    }

    @Override
    public void close() {
        loops.disposeLater().block(Duration.ofSeconds(10));
    }
}
