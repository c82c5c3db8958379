package io.sbs.bench.live;

import io.sbs.bench.http.CpuMeter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What a load poll costs the engine side: the CPU an idle engine-simulator process spends over a window
 * without polls, then over a window of {@code GET /get_load} at a fixed rate on one keep-alive connection
 * (as the dispatcher polls), after a warm-up of polls so the engine's JIT has compiled the path. The
 * difference, per poll, is the poll's cost. CPU comes from {@code /proc} in ticks of 10 ms, so the
 * windows are long enough for a few hundred polls.
 *
 * @param rate          polls per second asked for
 * @param polls         polls answered 200 in the polled window
 * @param seconds       length of each window
 * @param idleCores     the engine's CPU without polls, in cores
 * @param polledCores   its CPU while polled, in cores
 * @param microsPerPoll the difference per poll, in CPU microseconds
 */
record PollCost(double rate, int polls, double seconds, double idleCores, double polledCores, double microsPerPoll) {

    /** Polls before measuring, so the engine's JIT has compiled the path (C1 settles within seconds). */
    private static final Duration WARMUP = Duration.ofSeconds(5);

    static PollCost measure(URI engine, ProcessHandle process, double rate, Duration window)
            throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest load = HttpRequest.newBuilder(engine.resolve("/get_load")).timeout(Duration.ofSeconds(2)).build();
        poll(http, load, rate, WARMUP.compareTo(window) < 0 ? WARMUP : window);
        long idleFrom = System.nanoTime();
        long idleCpu0 = CpuMeter.treeNanos(process);
        // a measurement window, not a wait for a condition: nothing happens in it by design
        TimeUnit.NANOSECONDS.sleep(window.toNanos());
        long idleCpu1 = CpuMeter.treeNanos(process);
        long polledFrom = System.nanoTime();
        int polls = poll(http, load, rate, window);
        long polledCpu = CpuMeter.treeNanos(process) - idleCpu1;
        double polledSeconds = (System.nanoTime() - polledFrom) / 1e9;
        double idleSeconds = (polledFrom - idleFrom) / 1e9;
        double idleCores = (idleCpu1 - idleCpu0) / 1e9 / idleSeconds;
        double polledCores = polledCpu / 1e9 / polledSeconds;
        double perPoll = polls == 0 ? Double.NaN : (polledCores - idleCores) * polledSeconds * 1e6 / polls;
        return new PollCost(rate, polls, window.toNanos() / 1e9, idleCores, polledCores, perPoll);
    }

    /** Polls at {@code rate} for {@code duration}; returns how many were answered 200. */
    private static int poll(HttpClient http, HttpRequest load, double rate, Duration duration) {
        long start = System.nanoTime();
        long period = Math.round(1e9 / rate);
        int n = (int) (duration.toNanos() / period);
        int ok = 0;
        for (int i = 0; i < n; i++) {
            long due = start + i * period;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            try {
                if (http.send(load, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    ok++;
                }
            } catch (IOException e) {
                // counted by its absence from ok
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ok;
            }
        }
        return ok;
    }

    /** The engine CPU polls at {@code pollsPerSecond} would take, in cores. */
    double coresAt(double pollsPerSecond) {
        return microsPerPoll * pollsPerSecond / 1e6;
    }
}
