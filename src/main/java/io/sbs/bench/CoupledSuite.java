package io.sbs.bench;

import io.sbs.cli.Progress;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.PrefillResult;
import io.sbs.sim.PrefillSimulation;
import io.sbs.sim.Signals;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.PaperWorkloads;
import io.sbs.sim.workload.PoissonArrivals;
import io.sbs.sim.workload.WorkloadGenerator;
import io.sbs.tools.MarkdownTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * The coupled P/D run of the decode experiment (issue 16), on {@link DecodeSuite}'s profiles and seeds: every
 * request prefilled, its KV handed over, then decoded, the policy choosing the prefill and the decode unit in
 * one window; TTFT and TPOT per policy and profile, means over the seeds.
 */
final class CoupledSuite {

    /** Measured virtual seconds of each coupled P/D run, and its warm-up, at the default decode length (240 s). */
    static final double MEASURED_SECONDS = 60;
    private static final double WARMUP_SECONDS = 30;
    private static final double DEFAULT_DECODE_SECONDS = 240;

    /** The coupled P/D run's policies: every decode baseline, earliest finish time (prefill's strongest), SBS. */
    static final List<String> POLICIES = List.of(PolicyRegistry.SBS, PolicyRegistry.ROUND_ROBIN,
            PolicyRegistry.LEAST_OUTSTANDING_TOKENS, PolicyRegistry.LEAST_KV_TOKENS, PolicyRegistry.KV_BATCH_BALANCED,
            PolicyRegistry.STEP_COST_BALANCED, PolicyRegistry.EARLIEST_FINISH_TIME);
    /** Offered load of the coupled run, as a fraction of the prefill pool's token capacity with full passes. */
    static final double LOAD = 0.5;
    private static final double MEAN_PROMPT = 1024;
    private static final double MEAN_OUTPUT = 500;
    private static final int BATCH_PER_UNIT = 35;

    /**
     * The coupled run's shape for a profile: its prefill pool at {@link #LOAD} of its capacity with full
     * passes, and as many decode instances as keep about {@link #BATCH_PER_UNIT} requests per decode unit
     * at that rate (Little's law over the decode time of an average request at the step time such a batch
     * gives), so neither side idles while the other saturates.
     */
    record Shape(EngineProfile profile, double qps, int decodeInstances) {

        static Shape of(EngineProfile profile) {
            EngineProfile.Prefill p = profile.prefill();
            int units = p.instances() * p.dpUnits();
            double passMs = p.t0Ms() + p.bMaxMsPerToken() * p.unitChunkTokens()
                    + p.bSumMsPerToken() * p.unitChunkTokens() * p.dpUnits();
            double qps = LOAD * units * p.unitChunkTokens() / (passMs / 1000) / MEAN_PROMPT;
            EngineProfile.Decode d = profile.decode();
            double kvPerUnit = BATCH_PER_UNIT * (MEAN_PROMPT + MEAN_OUTPUT / 2);
            double stepMs = d.t0Ms() + d.kvMsPerKToken() * kvPerUnit / 1000 + d.batchMsPerRequest() * BATCH_PER_UNIT
                    + d.sharedMsPerRequest() * BATCH_PER_UNIT * d.dpUnits();
            double inFlight = qps * MEAN_OUTPUT * stepMs / 1000;
            int instances = (int) Math.max(1, Math.ceil(inFlight / (BATCH_PER_UNIT * d.dpUnits())));
            return new Shape(profile, qps, instances);
        }
    }

    private final List<Long> seeds;
    private final double decodeSeconds;

    /** @param seeds the decode seeds; {@code decodeSeconds} below 240 shortens the runs in proportion */
    CoupledSuite(List<Long> seeds, double decodeSeconds) {
        this.seeds = List.copyOf(seeds);
        this.decodeSeconds = decodeSeconds;
    }

    /**
     * The coupled P/D run: Poisson arrivals of the 0-3K prompt workload with decode-length outputs, every
     * request prefilled, its KV handed over, then decoded, the pairing chosen by the policy in one window;
     * the dispatcher counts {@code max-tokens} for output lengths. TTFT and TPOT per policy and profile,
     * means over the seeds.
     */
    Map<String, Object> run(Parallel parallel, StringBuilder report, Progress progress) {
        // --decode-seconds shortens the coupled runs in proportion (the bench's own tests use 10 s)
        double scale = Math.min(1, decodeSeconds / DEFAULT_DECODE_SECONDS);
        double measuredSeconds = MEASURED_SECONDS * scale;
        double warmupSeconds = WARMUP_SECONDS * scale;
        Map<String, Future<PrefillResult>> runs = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        Progress.Stage stage = progress.stage("coupled P/D", DecodeSuite.PROFILES.size() * seeds.size() * POLICIES.size());
        for (String name : DecodeSuite.PROFILES) {
            Shape shape = Shape.of(ProfileLoader.load(name));
            shapes.put(name, shape);
            EngineProfile profile = shape.profile().withDecode(
                    shape.profile().decode().withInstances(shape.decodeInstances(), shape.profile().decode().dpUnits()));
            for (long seed : seeds) {
                List<WorkloadRequest> workload = WorkloadGenerator.generate(new PoissonArrivals(shape.qps()),
                        PaperWorkloads.SHORT_PROMPTS, PaperWorkloads.DECODE_OUTPUTS,
                        (int) Math.round(shape.qps() * (warmupSeconds + measuredSeconds)), seed);
                for (String policy : POLICIES) {
                    PrefillSimulation.Config c = new PrefillSimulation.Config(profile, SchedulingPolicy.defaults(policy),
                            workload, seed, (long) (warmupSeconds * 1e9), PrefillRuns.PUSH_POLL_NANOS,
                            120_000_000_000L, Long.MAX_VALUE, List.of(), Signals.PUSH)
                            .with(new PrefillSimulation.Coupling(shape.decodeInstances(), OutputLengthKnowledge.MAX_TOKENS));
                    String k = name + "/" + policy + "/" + seed;
                    runs.put(k, parallel.submit(stage, k, 1, () -> PrefillSimulation.run(c)));
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        report.append("## Coupled P/D\n\nEach request prefilled, its KV handed over, then decoded; the policy picks the ")
                .append("prefill and the decode unit in one window, as the live dispatch loop does. Prompts 0-3K (mean 1K), ")
                .append("outputs as the decode experiment's (mean 500), Poisson arrivals at ")
                .append(PaperSuite.fmt(100 * LOAD)).append(" % of the prefill pool's full-pass capacity, ")
                .append(PaperSuite.fmt(measuredSeconds)).append(" s measured after ").append(PaperSuite.fmt(warmupSeconds))
                .append(" s, seeds ").append(seeds).append(", output lengths as `max-tokens`. TTFT: arrival to the ")
                .append("prefill's first token back at the dispatcher; TPOT: joining a decode batch to the last token, ")
                .append("per token; decode queue: the KV's arrival on its decode unit to joining the batch.\n\n");
        for (String name : DecodeSuite.PROFILES) {
            Shape shape = shapes.get(name);
            MarkdownTable table = new MarkdownTable(2, "policy", "TTFT mean s", "TTFT p99 s", "TPOT mean ms",
                    "TPOT p99 ms", "decode queue mean ms", "completed");
            Map<String, Object> perPolicy = new LinkedHashMap<>();
            for (String policy : POLICIES) {
                List<PrefillResult> r = new ArrayList<>();
                for (long seed : seeds) {
                    r.add(Parallel.get(runs.get(name + "/" + policy + "/" + seed)));
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("ttft_mean_s", PaperSuite.round(PrefillRuns.mean(r, x -> x.ttft().mean())));
                m.put("ttft_p99_s", PaperSuite.round(PrefillRuns.mean(r, x -> x.ttft().p99())));
                m.put("tpot_mean_ms", PaperSuite.round(PrefillRuns.mean(r, x -> x.tpotMs().mean())));
                m.put("tpot_p99_ms", PaperSuite.round(PrefillRuns.mean(r, x -> x.tpotMs().p99())));
                m.put("decode_queue_mean_ms", PaperSuite.round(PrefillRuns.mean(r, x -> x.decodeQueueMs().mean())));
                m.put("completed", r.stream().mapToLong(PrefillResult::completed).sum());
                perPolicy.put(policy, m);
                table.row(policy, m.get("ttft_mean_s"), m.get("ttft_p99_s"), m.get("tpot_mean_ms"), m.get("tpot_p99_ms"),
                        m.get("decode_queue_mean_ms"), m.get("completed"));
            }
            String best = null;
            for (String policy : POLICIES) {
                if (!policy.equals(PolicyRegistry.SBS) && (best == null
                        || tpotP99(perPolicy, policy) < tpotP99(perPolicy, best))) {
                    best = policy;
                }
            }
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("qps", PaperSuite.round(shape.qps()));
            h.put("decode_instances", shape.decodeInstances());
            h.put("best_tpot_baseline", best);
            h.put("sbs_tpot_p99_ms", perPolicy.get(PolicyRegistry.SBS) instanceof Map<?, ?> m ? m.get("tpot_p99_ms") : null);
            h.put("baseline_tpot_p99_ms", tpotP99(perPolicy, best));
            h.put("sbs_tpot_p99_vs_best", PaperSuite.round(tpotP99(perPolicy, PolicyRegistry.SBS) / tpotP99(perPolicy, best) - 1));
            h.put("policies", perPolicy);
            result.put(name, h);
            report.append("### Profile `").append(name).append("`: ").append(PaperSuite.fmt(shape.qps())).append(" QPS, ")
                    .append(shape.profile().prefill().instances()).append(" prefill instances, ").append(shape.decodeInstances())
                    .append(" decode instances of DP").append(shape.profile().decode().dpUnits()).append("\n\n")
                    .append("SBS's TPOT p99 ").append(String.format(Locale.ROOT, "%+.2f %%",
                            100 * (tpotP99(perPolicy, PolicyRegistry.SBS) / tpotP99(perPolicy, best) - 1)))
                    .append(" against the best baseline's (`").append(best).append("`).\n\n").append(table.render()).append('\n');
        }
        return result;
    }

    private static double tpotP99(Map<String, Object> perPolicy, String policy) {
        return ((Number) ((Map<?, ?>) perPolicy.get(policy)).get("tpot_p99_ms")).doubleValue();
    }
}
