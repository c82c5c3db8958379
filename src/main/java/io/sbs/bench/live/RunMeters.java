package io.sbs.bench.live;

import io.sbs.bench.http.CpuMeter;
import io.sbs.tools.Prometheus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What {@link LiveBench} reads around each run to check it: the CPU time of every process of the machine's
 * stacks and of the machine, and the dispatcher's own counters from its Prometheus endpoint.
 */
final class RunMeters {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** CPU nanoseconds so far: dispatcher, engines, this JVM, the idle stacks, machine busy, machine total. */
    static long[] cpu(PolicyStack stack, List<ProcessHandle> idle) {
        long enginesCpu = 0;
        for (ProcessHandle p : stack.engines().processes()) {
            enginesCpu += CpuMeter.treeNanos(p);
        }
        long idleCpu = 0;
        for (ProcessHandle p : idle) {
            idleCpu += CpuMeter.treeNanos(p);
        }
        long[] machine = CpuMeter.machineNanos();
        return new long[] {CpuMeter.treeNanos(stack.dispatcher().process()), enginesCpu, CpuMeter.jvmNanos(), idleCpu,
            machine[0], machine[1]};
    }

    static RunResult.Cpu cpuUse(long[] before, long[] after, double wallSeconds) {
        double[] cores = new double[4];
        double ours = 0;
        for (int i = 0; i < 4; i++) {
            cores[i] = (after[i] - before[i]) / 1e9 / wallSeconds;
            ours += after[i] - before[i];
        }
        double busy = after[4] - before[4];
        double total = after[5] - before[5];
        int machineCores = Runtime.getRuntime().availableProcessors();
        return new RunResult.Cpu(cores[0], cores[1], cores[2], cores[3], total > 0 ? busy / total : Double.NaN,
                total > 0 ? Math.max(0, busy - ours) / total * machineCores : Double.NaN);
    }

    /**
     * The dispatcher's counters that check the run: ingress requests (no one else's traffic, no demo load),
     * prompts measured by the four-characters estimate (the engines' own rule, so both agree on lengths), its
     * own TTFT count and sum, rejections and watchdog fires. Empty when it does not answer.
     */
    Map<String, Double> dispatcher(String url) {
        Map<String, Double> m = new LinkedHashMap<>();
        String text;
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/actuator/prometheus"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return m;
            }
            text = r.body();
        } catch (IOException e) {
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return m;
        }
        m.put("ingress_requests", zeroIfAbsent(Prometheus.sum(text, "http_server_requests_seconds_count",
                "uri=\"" + StreamingClient.PATH + "\"")));
        m.put("prompts_estimated", zeroIfAbsent(Prometheus.sum(text, "sbs_prompt_measurements_total",
                "source=\"estimate\"")));
        m.put("ttft_count", zeroIfAbsent(Prometheus.sum(text, "sbs_ttft_seconds_count")));
        m.put("ttft_sum_seconds", zeroIfAbsent(Prometheus.sum(text, "sbs_ttft_seconds_sum")));
        m.put("rejected", zeroIfAbsent(Prometheus.sum(text, "sbs_requests_rejected_total")));
        m.put("watchdog_fires", zeroIfAbsent(Prometheus.sum(text, "sbs_watchdog_fires_total", "phase=\"prefill\"")));
        return m;
    }

    private static double zeroIfAbsent(@Nullable Double value) {
        return value == null ? 0 : value;
    }

    static Map<String, Double> difference(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> d = new LinkedHashMap<>();
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0.0)));
        return d;
    }
}
