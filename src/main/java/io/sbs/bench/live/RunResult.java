package io.sbs.bench.live;

import io.sbs.bench.http.LatencyStats;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * One policy at one load.
 *
 * @param rateRps          the arrival rate asked for
 * @param sent             requests sent, warm-up included
 * @param measured         requests in the TTFT figures: those arriving after the first tenth of the run,
 *                         answered with content or still open at the end
 * @param unfinished       of the measured, those still without a first token when the run ended: counted
 *                         with their wait so far, so the figures are then a lower bound
 * @param ttft             time to first token of the measured requests, from each request's due time
 * @param statuses         every sent request by outcome ({@link Outcome#key()}); they add up to {@code sent}
 * @param clientLagP99Ms   99th percentile of how late the client sent a request after its due time
 * @param cpu              CPU of each process over the run
 * @param dispatcherMeters the dispatcher's own counters over the run (differences of {@code /actuator/prometheus})
 * @param seconds          the run's wall time, drain included
 */
record RunResult(String policy, double load, double rateRps, int sent, int measured, int unfinished,
        LatencyStats ttft, Map<String, Long> statuses, double clientLagP99Ms, Cpu cpu,
        Map<String, Double> dispatcherMeters, double seconds) {

    /**
     * CPU over the run, in cores (CPU seconds per second): the measured policy's dispatcher JVM and engine
     * JVMs, this JVM (the client), the other policies' stacks idling meanwhile, and the machine's busy share
     * of all its cores, with the part of it no process of the benchmark used.
     */
    record Cpu(double dispatcherCores, double enginesCores, double clientCores, double idleStacksCores,
            double machineBusy, double otherCores) {
    }

    static RunResult of(String policy, double load, double rateRps, StreamingClient.Replay replay, long warmupNanos,
            Cpu cpu, Map<String, Double> dispatcherMeters, double seconds) {
        Map<String, Long> statuses = new TreeMap<>();
        long[] ttft = new long[replay.outcomes().length];
        long[] lag = new long[replay.outcomes().length];
        int measured = 0;
        int unfinished = 0;
        int i = 0;
        for (Outcome o : replay.outcomes()) {
            String key = o.key();
            statuses.merge(key, 1L, Long::sum);
            lag[i++] = Math.max(0, o.sentNanos() - o.dueNanos());
            if (o.dueNanos() - replay.startNanos() < warmupNanos) {
                continue;
            }
            if (key.equals(Outcome.OK)) {
                ttft[measured++] = o.firstContentNanos() - o.dueNanos();
            } else if (key.equals(Outcome.UNFINISHED)) {
                ttft[measured++] = replay.deadlineNanos() - o.dueNanos();
                unfinished++;
            }
        }
        return new RunResult(policy, load, rateRps, replay.outcomes().length, measured, unfinished,
                LatencyStats.ofNanos(Arrays.copyOf(ttft, measured)), statuses,
                lag.length == 0 ? Double.NaN : LatencyStats.ofNanos(lag).p99Ms(), cpu, dispatcherMeters, seconds);
    }

    long count(String key) {
        return statuses.getOrDefault(key, 0L);
    }
}
