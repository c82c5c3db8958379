package io.sbs.bench.live;

import io.sbs.bench.http.CpuMeter;
import io.sbs.bench.http.Dispatcher;
import io.sbs.bench.http.LatencyStats;
import io.sbs.cli.Progress;
import io.sbs.core.PolicyRegistry;
import io.sbs.formats.MooncakeTraceReader;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.TimeScale;
import io.sbs.tools.Credentials;
import io.sbs.tools.MarkdownTable;
import io.sbs.tools.Ports;
import io.sbs.tools.Prometheus;
import io.sbs.tools.ReportWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * {@code app/bench live --trace FILE}: a slice of a Mooncake trace replayed in real time, the same arrivals
 * through each policy's own fresh engine-simulator processes (their DP units caching prefixes) and dispatcher.
 *
 * <p>Method. Each of the trace's {@code hash_ids} (a 512-token block) becomes a fixed block of token ids,
 * drawn from a generator seeded by the id and {@code --seed}; a request's prompt is its blocks' ids in order,
 * cut to its {@code input_length}, sent as {@code /v1/completions} with {@code prompt} as token ids. Two requests
 * that share leading hash ids thus share those tokens, the dispatcher and the engines hash them into the same
 * blocks ({@code cache-block-tokens} 512 on both), and every other request shares nothing. Each request asks for
 * {@value StreamingClient#MAX_TOKENS} tokens; TTFT is taken at the client from its due time, every request
 * measured (both policies start from cold caches, so the cold start is common to both). The dispatcher's
 * predicted hit ratio comes from its prefix meters, the engines' from their {@code /get_load}.
 */
public final class TraceBench {

    /** Tokens per Mooncake hash id. */
    static final int BLOCK_TOKENS = 512;
    private static final String PATH = "/v1/completions";
    private static final int TOKEN_IDS = 100_000;

    /**
     * @param limit         requests replayed: the trace's first ones (after its arrival sort)
     * @param timeScale     inter-arrival gaps divided by this (2 doubles the rate)
     * @param kvCacheTokens prefix cache per DP unit, in tokens, for the engines and the dispatcher's view; 0 for
     *                      the profile's
     */
    public record Options(Path out, Path trace, int instances, String profile, List<String> policies, int limit,
            double timeScale, long kvCacheTokens, boolean push, long seed, List<String> dispatcherJvm,
            List<String> dispatcherArgs) {

        public Options {
            if (instances < 1 || limit < 1 || !(timeScale > 0) || kvCacheTokens < 0) {
                throw new IllegalArgumentException("live --trace: --instances, --limit and --time-scale must be positive, "
                        + "--kv-cache-tokens not negative");
            }
            for (String p : policies) {
                if (!PolicyRegistry.standard().contains(p)) {
                    throw new IllegalArgumentException("live: unknown policy '" + p + "'; known: "
                            + PolicyRegistry.standard().names());
                }
            }
            policies = List.copyOf(policies);
            dispatcherJvm = List.copyOf(dispatcherJvm);
            dispatcherArgs = List.copyOf(dispatcherArgs);
        }
    }

    /** One policy's run: TTFT, outcomes, prefix hits predicted and found. */
    record Result(String policy, RunResult run, double predictedHitRatio, double engineHitRatio) {
    }

    private final Options o;
    private final EngineProfile profile;
    private final long startNanos = System.nanoTime();
    /** On the console, and kept in {@code live.log} so a long run can be read later. */
    private final Progress progress;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public TraceBench(Options options) {
        this.o = options;
        this.profile = ProfileLoader.load(options.profile());
        this.progress = Progress.onConsole("live", 1, options.out().resolve("live.log"));
    }

    public void run() throws InterruptedException {
        try {
            measure();
        } finally {
            progress.close();
        }
    }

    private void measure() throws InterruptedException {
        List<WorkloadRequest> all = MooncakeTraceReader.read(o.trace());
        List<WorkloadRequest> slice = TimeScale.scale(all.subList(0, Math.min(o.limit(), all.size())), o.timeScale());
        String[] bodies = new String[slice.size()];
        for (int i = 0; i < bodies.length; i++) {
            bodies[i] = body(slice.get(i), o.seed());
        }
        long kv = o.kvCacheTokens() > 0 ? o.kvCacheTokens()
                : (long) profile.prefill().cacheBlocksPerUnit() * profile.prefill().cacheBlockTokens();
        double span = slice.isEmpty() ? 0 : slice.get(slice.size() - 1).arrivalNanos() / 1e9;
        progress(String.format(Locale.ROOT, "live --trace %s: %d requests over %.0f s (time scale %s), %d engine-sim "
                + "of profile %s, prefix cache %d tokens per DP unit in blocks of %d; policies %s", o.trace(),
                slice.size(), span, o.timeScale(), o.instances(), profile.name(), kv, BLOCK_TOKENS, o.policies()));
        List<Result> results = new ArrayList<>();
        try (StreamingClient client = new StreamingClient()) {
            Progress.Stage stage = progress.stage("trace runs, one per policy", o.policies().size());
            for (String policy : o.policies()) {
                results.add(run(policy, client, slice, bodies, kv));
                stage.done("policy " + policy);
            }
            stage.close();
        }
        write(results, slice.size(), span, kv);
        progress(String.format(Locale.ROOT, "done in %.0f s", (System.nanoTime() - startNanos) / 1e9));
    }

    /**
     * A completion whose prompt is the request's blocks as token ids; hash ids missing from a row (a trace that
     * lists fewer blocks than its length needs) become blocks of its own.
     */
    static String body(WorkloadRequest r, long seed) {
        StringBuilder sb = new StringBuilder(r.promptTokens() * 6 + 96);
        sb.append("{\"model\":\"sbs\",\"stream\":true,\"max_tokens\":").append(StreamingClient.MAX_TOKENS)
                .append(",\"prompt\":[");
        long[] ids = r.blockHashes();
        int written = 0;
        for (int b = 0; written < r.promptTokens(); b++) {
            long id = b < ids.length ? ids[b] : ~(r.arrivalNanos() * 31 + b);
            SplittableRandom tokens = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ id);
            for (int k = 0; k < BLOCK_TOKENS && written < r.promptTokens(); k++, written++) {
                if (written > 0) {
                    sb.append(',');
                }
                sb.append(tokens.nextInt(TOKEN_IDS));
            }
        }
        return sb.append("]}").toString();
    }

    private Result run(String policy, StreamingClient client, List<WorkloadRequest> slice, String[] bodies, long kv)
            throws InterruptedException {
        Credentials credentials = Credentials.random();
        int port = Ports.free();
        String push = o.push() ? "http://127.0.0.1:" + port + "/internal/v1/end-forward" : null;
        Map<String, String> engineEnv = o.push()
                ? Map.of("SBS_ENGINE_TOKEN", credentials.environment().get("SBS_ENGINE_TOKEN")) : Map.of();
        progress("policy " + policy + ": starting " + o.instances() + " engines and the dispatcher");
        Path logs = o.out().resolve("logs").resolve(policy);
        try (EngineProcesses engines = EngineProcesses.start(logs, o.instances(), o.profile(), push, engineEnv,
                List.of("--kv-cache-tokens", Long.toString(kv), "--cache-block-tokens", Integer.toString(BLOCK_TOKENS)))) {
            List<String> args = new ArrayList<>(List.of("--sbs.max-prompt-tokens=131072"));
            for (int i = 0; i < o.instances(); i++) {
                args.add("--sbs.instances[" + i + "].cache-block-tokens=" + BLOCK_TOKENS);
                args.add("--sbs.instances[" + i + "].kv-capacity-tokens=" + kv);
            }
            args.addAll(o.dispatcherArgs());
            try (Dispatcher dispatcher = Dispatcher.start(policy, engines.instances(profile.prefill().dpUnits(),
                    profile.prefill().unitChunkTokens()), port, o.dispatcherJvm(), args, credentials.environment(),
                    logs.resolve("dispatcher.log"))) {
                String url = "http://127.0.0.1:" + dispatcher.port();
                long cpu0 = CpuMeter.treeNanos(dispatcher.process());
                long engines0 = enginesCpu(engines);
                long t0 = System.nanoTime();
                StreamingClient.Replay replay = client.replay(url, PATH, slice, i -> bodies[i], LiveBench.DRAIN);
                try {
                    engines.awaitIdle(LiveBench.DRAIN);
                } catch (IllegalStateException e) {
                    progress("warning: " + e.getMessage());
                }
                double wall = (System.nanoTime() - t0) / 1e9;
                RunResult.Cpu cpu = new RunResult.Cpu((CpuMeter.treeNanos(dispatcher.process()) - cpu0) / 1e9 / wall,
                        (enginesCpu(engines) - engines0) / 1e9 / wall, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
                Map<String, Double> meters = meters(url);
                RunResult r = RunResult.of(policy, 1, slice.size() / Math.max(1e-9, wall), replay, 0, cpu, meters, wall);
                long[] cache = engines.cacheTotals();
                double predicted = meters.getOrDefault("prefix_hit_tokens", Double.NaN)
                        / meters.getOrDefault("prefix_lookup_tokens", Double.NaN);
                double found = cache == null || cache[0] == 0 ? Double.NaN : (double) cache[1] / cache[0];
                progress(String.format(Locale.ROOT, "policy %s: TTFT mean %.0f ms, p50 %.0f, p99 %.0f (%d measured, %d "
                        + "unfinished); statuses %s; prefix hit ratio predicted %.3f, at the engines %.3f", policy,
                        r.ttft().meanMs(), r.ttft().p50Ms(), r.ttft().p99Ms(), r.measured(), r.unfinished(),
                        r.statuses(), predicted, found));
                return new Result(policy, r, predicted, found);
            }
        }
    }

    private static long enginesCpu(EngineProcesses engines) {
        long sum = 0;
        for (ProcessHandle p : engines.processes()) {
            sum += CpuMeter.treeNanos(p);
        }
        return sum;
    }

    /** The dispatcher's prefix meters and TTFT count, summed over units; empty when it does not answer. */
    private Map<String, Double> meters(String url) {
        Map<String, Double> m = new LinkedHashMap<>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/actuator/prometheus"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                for (String name : List.of("prefix_hit_tokens", "prefix_lookup_tokens", "ttft_seconds_count",
                        "requests_rejected")) {
                    Double v = Prometheus.sum(r.body(), "sbs_" + name + (name.endsWith("count") ? "" : "_total"));
                    m.put(name, v == null ? 0 : v);
                }
            }
        } catch (IOException e) {
            // reported as missing figures
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return m;
    }

    private void write(List<Result> results, int requests, double span, long kv) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("trace", o.trace().toString());
        summary.put("requests", requests);
        summary.put("span_seconds", span);
        summary.put("time_scale", o.timeScale());
        summary.put("instances", o.instances());
        summary.put("profile", profile.name());
        summary.put("kv_cache_tokens_per_unit", kv);
        summary.put("block_tokens", BLOCK_TOKENS);
        summary.put("push", o.push());
        summary.put("seed", o.seed());
        Map<String, Object> policies = new LinkedHashMap<>();
        MarkdownTable table = new MarkdownTable(3, "policy", "TTFT mean (ms)", "p50 (ms)", "p99 (ms)", "measured",
                "unfinished", "hit ratio, dispatcher's view", "hit ratio, engines");
        for (Result res : results) {
            RunResult r = res.run();
            LatencyStats t = r.ttft();
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("ttft_mean_ms", t.meanMs());
            p.put("ttft_p50_ms", t.p50Ms());
            p.put("ttft_p99_ms", t.p99Ms());
            p.put("measured", r.measured());
            p.put("unfinished", r.unfinished());
            p.put("statuses", r.statuses());
            p.put("predicted_hit_ratio", res.predictedHitRatio());
            p.put("engine_hit_ratio", res.engineHitRatio());
            p.put("dispatcher_cores", r.cpu().dispatcherCores());
            p.put("engines_cores", r.cpu().enginesCores());
            p.put("dispatcher_meters", r.dispatcherMeters());
            policies.put(res.policy(), p);
            table.row(res.policy(), t.meanMs(), t.p50Ms(), t.p99Ms(), r.measured(), r.unfinished(),
                    res.predictedHitRatio(), res.engineHitRatio());
        }
        summary.put("policies", policies);
        Double ratio = ratio(results);
        summary.put("sbs_cache_over_sbs_mean_ttft", ratio);
        ReportWriter.writeJson(o.out().resolve("summary.json"), summary);
        ReportWriter.writeText(o.out().resolve("report.md"), String.format(Locale.ROOT, """
                # Live trace replay: prefix cache

                %d requests of `%s` (time scale %s, %.0f s of arrivals), %d engine-sim of profile `%s` with a prefix \
                cache of %d tokens per DP unit in blocks of %d; every request measured, TTFT at the client.

                %s
                %s""", requests, o.trace().getFileName(), o.timeScale(), span, o.instances(), profile.name(), kv,
                BLOCK_TOKENS, table, ratio == null ? "" : String.format(Locale.ROOT,
                        "\nMean TTFT of `sbs-cache` over `sbs`: %.3f%n", ratio)));
    }

    private static @Nullable Double ratio(List<Result> results) {
        Double sbs = null;
        Double cache = null;
        for (Result r : results) {
            if (r.policy().equals(PolicyRegistry.SBS)) {
                sbs = r.run().ttft().meanMs();
            } else if (r.policy().equals(PolicyRegistry.SBS_CACHE)) {
                cache = r.run().ttft().meanMs();
            }
        }
        return sbs == null || cache == null ? null : cache / sbs;
    }

    private void progress(String line) {
        progress.note(line);
    }
}
