package io.sbs.engine;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a vLLM data-parallel server's Prometheus exposition ({@code GET /metrics}) into per-rank load:
 * {@code vllm:num_requests_running}, {@code vllm:num_requests_waiting} and
 * {@code vllm:kv_cache_usage_perc}, each labelled {@code engine="<dp rank>"}. Only these three gauges
 * are read, from their sample lines; everything else in the exposition is skipped.
 */
public final class VllmMetricsParser {

    private static final Pattern SAMPLE = Pattern.compile(
            "^(vllm:num_requests_running|vllm:num_requests_waiting|vllm:kv_cache_usage_perc)\\{([^}]*)\\}\\s+(\\S+)");
    private static final Pattern ENGINE = Pattern.compile("(?:^|,)\\s*engine=\"(\\d+)\"");

    private VllmMetricsParser() {
    }

    public static EngineLoad parse(String exposition) {
        Map<Integer, double[]> byRank = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            Matcher m = SAMPLE.matcher(line.strip());
            if (!m.find()) {
                continue;
            }
            Matcher e = ENGINE.matcher(m.group(2));
            if (!e.find()) {
                continue;
            }
            double value;
            try {
                value = Double.parseDouble(m.group(3));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("metrics: bad sample value in '" + line + "'", ex);
            }
            double[] v = byRank.computeIfAbsent(Integer.parseInt(e.group(1)), r -> new double[] {0, 0, -1});
            switch (m.group(1)) {
                case "vllm:num_requests_running" -> v[0] += value;
                case "vllm:num_requests_waiting" -> v[1] += value;
                default -> v[2] = value;
            }
        }
        if (byRank.isEmpty()) {
            throw new IllegalArgumentException("metrics: no vllm:num_requests_* samples labelled engine");
        }
        return new EngineLoad(byRank.entrySet().stream()
                .map(en -> new RankLoad(en.getKey(), (int) Math.round(en.getValue()[0]),
                        (int) Math.round(en.getValue()[1]), -1, en.getValue()[2]))
                .toList());
    }
}
