package io.sbs.bench;

import io.sbs.bench.http.HttpBench;
import io.sbs.bench.live.LiveBench;
import io.sbs.bench.live.TraceBench;
import io.sbs.bench.io.TraceFormat;
import io.sbs.sim.Signals;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Entry point of {@code app/bench <suite> [options] --out DIR}. */
public final class BenchCommand {

    static final String USAGE = """
            usage: app/bench <suite> [options] --out DIR
              paper   [--signals push|stock] [--seeds 1,2] [--seconds 60] [--decode-seconds 240] [--prefill-instances N]
                      the paper's experiments on the profiles paper, divided and long
                      (--prefill-instances overrides every profile's prefill instance count;
                      --signals push: engines push EndForward, the paper's setting and the default;
                      stock: no push, as stock SGLang and vLLM: first tokens and load polls only)
              decode  [--seeds 1,2,3] [--decode-seconds 240]
                      the decode experiment alone: output-length knowledge x profiles paper, divided x three seeds,
                      every decode baseline against SBS, and the coupled P/D run
              replay  --trace FILE [--format azure|mooncake] [--time-scale X] [--profile NAME] [--limit N] [--seed S]
                      [--signals stock|push] [--policies a,b,...]
                      replays a trace through every policy (or those named); stock signals unless --signals push
              replay  --scenario mooncake-conversation|mooncake-synthetic [--traces DIR] [any option above]
                      a Mooncake trace from DIR (default ../shared/traces) on profile long at its documented time
                      scale, with the cache policies: sbs, sbs-cache, cache-aware, earliest-finish-time, eft-cache,
                      least-outstanding-tokens (docs/benchmarks.md, "Prefix caching")
              scale   [--hours 1] [--qps 100] [--signals push|stock]
                      one hour of virtual time on 384 prefill and 320 decode DP units
              http    [--rate 2000] [--seconds 20] [--connections 64] [--closed-seconds 5] [--warmup 30]
                      [--instances 3] [--policy round-robin[,sbs,...]] [--nginx PATH]
                      [--dispatcher-jvm "-Xms1g -Xmx1g -XX:+UseG1GC"]
                      the dispatcher's added latency and throughput against nginx, over instant engines
                      (needs nginx: apt-get install -y nginx-light)
              live    [--instances 2] [--profile paper] [--loads 0.4,0.7,0.9] [--seconds 25] [--seed 1]
                      [--policies sbs,least-outstanding-tokens,earliest-finish-time,round-robin] [--push]
                      [--warmup 5] [--capacity-seconds 15] [--capacity RPS] [--poll-rate 100] [--poll-seconds 10]
                      [--dispatcher-jvm "-Xms1g -Xmx1g -XX:+UseG1GC"] [--dispatcher-args="--sbs.x=y ..."]
                      the policies over engine-sim processes in real time (no EndForward push unless --push),
                      the dispatcher in its own JVM; TTFT at the client at each fraction of the measured capacity
              live    --trace FILE [--limit 400] [--time-scale 1] [--instances 1] [--profile long]
                      [--policies sbs,sbs-cache] [--kv-cache-tokens N] [--push] [--seed 1] [--dispatcher-jvm ...]
                      a Mooncake trace's first requests in real time, prompts made of token ids per hash id, over
                      engine-sim processes with a prefix cache; TTFT and prefix hit ratio per policy
              preview [--qps 400] [--minutes 10] [--profile divided] [--seed 1]
                      policy previews (what-if) over a recorded window of that traffic; goal: each within 10 s
              jmh     [JMH options]   allocation micro-benchmarks (run by app/bench from the test classpath)
            """;

    private BenchCommand() {
    }

    private static int liveTrace(String[] args) {
        BenchOptions o = new BenchOptions(args, 1, Set.of("out", "trace", "limit", "time-scale", "instances", "profile",
                "policies", "kv-cache-tokens", "push", "seed", "dispatcher-jvm", "dispatcher-args"));
        Path out = Path.of(o.require("out"));
        return runsProcesses(out, () -> new TraceBench(new TraceBench.Options(out, Path.of(o.require("trace")),
                (int) o.getDouble("instances", 1), o.get("profile", "long"),
                words(o.get("policies", "sbs,sbs-cache"), ","), (int) o.getDouble("limit", 400),
                o.getDouble("time-scale", 1), (long) o.getDouble("kv-cache-tokens", 0), o.flag("push"),
                (long) o.getDouble("seed", 1),
                words(o.get("dispatcher-jvm", String.join(" ", HttpBench.DEFAULT_DISPATCHER_JVM)), "\\s+"),
                words(o.get("dispatcher-args", ""), "\\s+"))).run());
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a suite; returns the process exit code (0 ok, 1 failed, 2 bad usage). */
    public static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            System.out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            String suite = args[0];
            switch (suite) {
                case "paper" -> {
                    BenchOptions o = new BenchOptions(args, 1,
                            Set.of("out", "seeds", "seconds", "decode-seconds", "prefill-instances", "signals"));
                    Path out = Path.of(o.require("out"));
                    new PaperSuite(out, seeds(o.get("seeds", "1,2")), o.getDouble("seconds", 60),
                            o.getDouble("decode-seconds", 240), (int) o.getDouble("prefill-instances", 0),
                            Signals.parse(o.get("signals", "push"))).run();
                    System.out.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.md"));
                }
                case "decode" -> {
                    BenchOptions o = new BenchOptions(args, 1, Set.of("out", "seeds", "decode-seconds"));
                    Path out = Path.of(o.require("out"));
                    DecodeSuite.standalone(out, DecodeSuite.threeSeeds(seeds(o.get("seeds", "1,2,3"))),
                            o.getDouble("decode-seconds", 240));
                    System.out.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.md"));
                }
                case "replay" -> {
                    BenchOptions o = new BenchOptions(args, 1,
                            Set.of("out", "trace", "format", "time-scale", "profile", "limit", "seed", "signals",
                                    "policies", "scenario", "traces"));
                    Path out = Path.of(o.require("out"));
                    String named = o.get("scenario", null);
                    ReplaySuite.Scenario scenario = named == null ? null : ReplaySuite.Scenario.named(named);
                    Path trace = scenario == null ? Path.of(o.require("trace"))
                            : Path.of(o.get("trace", Path.of(o.get("traces", "../shared/traces"), scenario.traceFile()).toString()));
                    TraceFormat format = o.get("format", null) == null ? TraceFormat.detect(trace)
                            : TraceFormat.parse(o.get("format", null));
                    new ReplaySuite(out, trace, format,
                            o.getDouble("time-scale", scenario == null ? 1 : scenario.timeScale()),
                            o.get("profile", scenario == null ? "paper" : scenario.profile()),
                            (int) o.getDouble("limit", 0), (long) o.getDouble("seed", 1),
                            Signals.parse(o.get("signals", "stock")),
                            o.get("policies", null) == null && scenario != null ? scenario.policies()
                                    : words(o.get("policies", ""), ",")).run();
                    System.out.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.md"));
                }
                case "scale" -> {
                    BenchOptions o = new BenchOptions(args, 1, Set.of("out", "hours", "qps", "signals"));
                    Path out = Path.of(o.require("out"));
                    new ScaleSuite(out, o.getDouble("hours", 1), o.getDouble("qps", 100),
                            Signals.parse(o.get("signals", "push"))).run();
                    System.out.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.md"));
                }
                case "http" -> {
                    BenchOptions o = new BenchOptions(args, 1, Set.of("out", "rate", "seconds", "connections",
                            "closed-seconds", "warmup", "instances", "policy", "nginx", "dispatcher-jvm"));
                    Path out = Path.of(o.require("out"));
                    return runsProcesses(out, () -> new HttpBench(new HttpBench.Options(out, o.getDouble("rate", 2000),
                            o.getDouble("seconds", 20), (int) o.getDouble("connections", 64),
                            o.getDouble("closed-seconds", 5), o.getDouble("warmup", 30), (int) o.getDouble("instances", 3),
                            words(o.get("policy", "round-robin"), ","), o.get("nginx", null),
                            words(o.get("dispatcher-jvm", String.join(" ", HttpBench.DEFAULT_DISPATCHER_JVM)), "\\s+")))
                            .run());
                }
                case "live" -> {
                    if (List.of(args).contains("--trace")) {
                        return liveTrace(args);
                    }
                    BenchOptions o = new BenchOptions(args, 1, Set.of("out", "instances", "profile", "loads", "policies",
                            "push", "seconds", "seed", "warmup", "capacity-seconds", "capacity", "poll-rate",
                            "poll-seconds", "dispatcher-jvm", "dispatcher-args"));
                    Path out = Path.of(o.require("out"));
                    String capacity = o.get("capacity", null);
                    return runsProcesses(out, () -> new LiveBench(new LiveBench.Options(out,
                            (int) o.getDouble("instances", 2), o.get("profile", "paper"),
                            doubles("loads", o.get("loads", "0.4,0.7,0.9")),
                            words(o.get("policies", "sbs,least-outstanding-tokens,earliest-finish-time,round-robin"), ","),
                            o.flag("push"), o.getDouble("seconds", 25), (long) o.getDouble("seed", 1),
                            o.getDouble("warmup", 5), o.getDouble("capacity-seconds", 15),
                            capacity == null ? null : o.getDouble("capacity", 0), o.getDouble("poll-rate", 100),
                            o.getDouble("poll-seconds", 10),
                            words(o.get("dispatcher-jvm", String.join(" ", HttpBench.DEFAULT_DISPATCHER_JVM)), "\\s+"),
                            words(o.get("dispatcher-args", ""), "\\s+"))).run());
                }
                case "preview" -> {
                    BenchOptions o = new BenchOptions(args, 1, Set.of("out", "qps", "minutes", "profile", "seed"));
                    Path out = Path.of(o.require("out"));
                    new PreviewSuite(out, o.getDouble("qps", 400), o.getDouble("minutes", 10),
                            o.get("profile", "divided"), (long) o.getDouble("seed", 1)).run();
                    System.out.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.md"));
                }
                case "jmh" -> {
                    System.err.println("the jmh suite runs from the test classpath: use app/bench jmh");
                    return 2;
                }
                default -> {
                    System.err.print("unknown suite '" + suite + "'\n" + USAGE);
                    return 2;
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("app/bench: " + e.getMessage());
            return 2;
        }
    }

    /** A suite that starts processes of its own (nginx, engine simulators, dispatchers). */
    @FunctionalInterface
    private interface ProcessSuite {
        void run() throws InterruptedException;
    }

    /**
     * Runs {@code suite}; a process that is missing or would not start ends it with the message alone, which
     * says what to do or names the log that says why, without a stack trace.
     */
    private static int runsProcesses(Path out, ProcessSuite suite) {
        try {
            suite.run();
        } catch (HttpBench.SetupException | IllegalStateException e) {
            System.err.println("app/bench: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("app/bench: interrupted");
            return 1;
        }
        System.out.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.md"));
        return 0;
    }

    /** The non-empty items of {@code text} split at {@code separator} (a regular expression), trimmed. */
    private static List<String> words(String text, String separator) {
        return Arrays.stream(text.split(separator)).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static List<Double> doubles(String option, String csv) {
        List<Double> out = new ArrayList<>();
        for (String s : words(csv, ",")) {
            try {
                out.add(Double.parseDouble(s));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + option + " takes comma-separated numbers, got '" + csv + "'", e);
            }
        }
        return out;
    }

    private static List<Long> seeds(String csv) {
        List<Long> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            try {
                out.add(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--seeds takes comma-separated integers, got '" + csv + "'", e);
            }
        }
        return out;
    }
}
