package io.sbs.bench.live;

import io.sbs.bench.http.Dispatcher;
import io.sbs.cli.Progress;
import io.sbs.core.PolicyRegistry;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.LengthDistribution;
import io.sbs.sim.workload.PaperWorkloads;
import io.sbs.sim.workload.PoissonArrivals;
import io.sbs.sim.workload.WorkloadGenerator;
import io.sbs.tools.Credentials;
import io.sbs.tools.Ports;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code app/bench live}: the policies against real engine-simulator processes in real time, through the
 * dispatcher in its own JVM, TTFT measured at the client. See the package documentation for the method.
 * This class measures the capacity and runs each policy's stack ({@link PolicyStack}) at each load; the
 * meters read around a run are {@link RunMeters}', the per-request lines {@link RequestsCsv}', the report
 * {@link LiveReport}'s.
 */
public final class LiveBench {

    /** The first tenth of every run fills the idle engines' queues: its requests are sent but not measured. */
    static final double MEASURED_AFTER = 0.1;
    /** How long after a run's last arrival its answers may take before the rest are cancelled and counted. */
    static final Duration DRAIN = Duration.ofSeconds(30);
    private static final Duration CAPACITY_RAMP = Duration.ofSeconds(5);
    /** Closed-loop callers per DP unit, in prompts of the chunk's size: enough to fill every pass. */
    private static final int CALLERS_PER_CHUNK = 4;

    /**
     * @param instances       engine-simulator processes (prefill instances)
     * @param profile         engine profile, by name or file: the engines' shape and timing
     * @param loads           fractions of the measured capacity, one open-loop run each
     * @param policies        dispatcher policies, one dispatcher JVM each
     * @param push            whether the engines push EndForward to the dispatcher
     * @param seconds         length of each open-loop run
     * @param seed            arrivals and prompt lengths
     * @param warmupSeconds   unmeasured load after each dispatcher start
     * @param capacitySeconds measured window of the closed loop
     * @param capacityRps     a capacity to use instead of measuring one (to compare builds at the very same loads)
     * @param pollRate        polls per second of the poll-cost measurement; 0 skips it
     * @param pollSeconds     each window of the poll-cost measurement
     * @param dispatcherJvm   the dispatcher's JVM options
     * @param dispatcherArgs  further Spring arguments for the dispatcher
     */
    public record Options(Path out, int instances, String profile, List<Double> loads, List<String> policies,
            boolean push, double seconds, long seed, double warmupSeconds, double capacitySeconds,
            @Nullable Double capacityRps, double pollRate, double pollSeconds, List<String> dispatcherJvm,
            List<String> dispatcherArgs) {

        public Options {
            if (instances < 1 || !(seconds > 0) || warmupSeconds < 0 || !(capacitySeconds > 0) || pollRate < 0
                    || !(pollSeconds > 0) || (capacityRps != null && !(capacityRps > 0))) {
                throw new IllegalArgumentException("live: --instances, --seconds, --capacity-seconds, --poll-seconds "
                        + "and --capacity must be positive, --warmup and --poll-rate not negative");
            }
            if (loads.isEmpty() || loads.stream().anyMatch(l -> !(l > 0) || l > 2)) {
                throw new IllegalArgumentException("live: --loads takes fractions of the capacity in (0, 2], got " + loads);
            }
            for (String p : policies) {
                if (!PolicyRegistry.standard().contains(p)) {
                    throw new IllegalArgumentException("live: unknown policy '" + p + "'; known: "
                            + PolicyRegistry.standard().names());
                }
            }
            if (policies.isEmpty()) {
                throw new IllegalArgumentException("live: --policies must name at least one policy");
            }
            loads = List.copyOf(loads);
            policies = List.copyOf(policies);
            dispatcherJvm = List.copyOf(dispatcherJvm);
            dispatcherArgs = List.copyOf(dispatcherArgs);
        }
    }

    /** How the capacity was obtained: measured (a saturation and its ramp) or given. */
    record Capacity(double rps, StreamingClient.@Nullable Saturation saturation, double rampSeconds,
            double profileBoundRps) {
    }

    private final Options o;
    private final EngineProfile profile;
    private final LengthDistribution prompts;
    private final long startNanos = System.nanoTime();
    /** On the console, and kept in {@code live.log} so a long run can be read later. */
    private final Progress progress;
    private final RunMeters meters = new RunMeters();

    public LiveBench(Options options) {
        this.o = options;
        this.profile = ProfileLoader.load(options.profile());
        this.progress = Progress.onConsole("live", 1, options.out().resolve("live.log"));
        this.prompts = prompts(profile.name());
    }

    /**
     * The prompt lengths {@code app/bench paper} runs a profile with: long-context prompts for {@code long},
     * the paper's 0-3K prompts (mean about 1K) otherwise.
     */
    static LengthDistribution prompts(String profileName) {
        return profileName.equals("long") ? PaperWorkloads.LONG_PROMPTS : PaperWorkloads.SHORT_PROMPTS;
    }

    public void run() throws InterruptedException {
        try {
            measure();
        } finally {
            progress.close();
        }
    }

    private void measure() throws InterruptedException {
        int dpUnits = profile.prefill().dpUnits();
        int chunk = profile.prefill().unitChunkTokens();
        progress(String.format(Locale.ROOT, "live: %d engine-sim instances of profile %s (DP %d, C_max %d), EndForward "
                + "push %s; loads %s; policies %s; %.0f s per run; expect about %.0f s", o.instances(), profile.name(),
                dpUnits, chunk, o.push() ? "on" : "off", o.loads(), o.policies(), o.seconds(), expectedSeconds()));
        Credentials credentials = Credentials.random();
        @Nullable PollCost pollCost = null;
        Capacity capacity;
        try (StreamingClient client = new StreamingClient()) {
            try (EngineProcesses engines = EngineProcesses.start(logs("capacity"), o.instances(), o.profile(), null,
                    Map.of())) {
                if (o.pollRate() > 0) {
                    progress(String.format(Locale.ROOT, "poll cost: engine %s idle, then GET /get_load at %.0f/s, "
                            + "%.0f s each", EngineProcesses.id(0), o.pollRate(), o.pollSeconds()));
                    pollCost = PollCost.measure(engines.urls().get(0), engines.processes().get(0), o.pollRate(),
                            seconds(o.pollSeconds()));
                    progress(String.format(Locale.ROOT, "poll cost: %.1f µs of engine CPU per poll (%d polls; engine "
                            + "%.4f cores idle, %.4f polled)", pollCost.microsPerPoll(), pollCost.polls(),
                            pollCost.idleCores(), pollCost.polledCores()));
                }
                capacity = capacity(client, engines, dpUnits, chunk);
            }
            Map<Double, List<WorkloadRequest>> arrivals = new LinkedHashMap<>();
            for (double load : o.loads()) {
                arrivals.put(load, arrivals(load * capacity.rps(), o.seconds(), o.seed()));
            }
            List<RunResult> results = new ArrayList<>();
            List<PolicyStack> stacks = new ArrayList<>();
            try {
                for (String policy : o.policies()) {
                    stacks.add(start(policy, client, credentials, capacity, dpUnits, chunk));
                }
                int index = 0;
                Progress.Stage stage = progress.stage("runs, load x policy", arrivals.size() * stacks.size());
                for (Map.Entry<Double, List<WorkloadRequest>> e : arrivals.entrySet()) {
                    // each load starts with the next policy, so none always runs first or last
                    for (int i = 0; i < stacks.size(); i++) {
                        PolicyStack stack = stacks.get((index + i) % stacks.size());
                        results.add(run(stack, stacks, client, e.getKey(), e.getKey() * capacity.rps(), e.getValue()));
                        stage.done(String.format(Locale.ROOT, "load %.2f, policy %s", e.getKey(), stack.policy()));
                    }
                    index++;
                }
                stage.close();
            } finally {
                for (int i = stacks.size() - 1; i >= 0; i--) {
                    stacks.get(i).close();
                }
            }
            double wall = (System.nanoTime() - startNanos) / 1e9;
            LiveReport report = new LiveReport(o, profile, capacity, pollCost, arrivals, results, wall);
            report.write();
            progress(String.format(Locale.ROOT, "done in %.0f s", wall));
        }
    }

    private double expectedSeconds() {
        double perPolicy = 25 + o.warmupSeconds() + o.loads().size() * (o.seconds() + 3);
        double capacity = o.capacityRps() == null
                ? Math.min(CAPACITY_RAMP.toSeconds(), o.capacitySeconds()) + o.capacitySeconds() + 3 : 0;
        double poll = o.pollRate() > 0 ? Math.min(5, o.pollSeconds()) + 2 * o.pollSeconds() : 0;
        return 5 + poll + capacity + o.policies().size() * perPolicy;
    }

    /**
     * The engines' own throughput: a saturating closed loop straight to them, round robin over every DP unit
     * (pinned with {@code data_parallel_rank}), no dispatcher in the way, so no policy and no dispatcher build
     * can move it; or the capacity given.
     */
    private Capacity capacity(StreamingClient client, EngineProcesses engines, int dpUnits, int chunk) {
        EngineProfile.Prefill p = profile.prefill();
        double fullPassSeconds = (p.t0Ms() + p.bMaxMsPerToken() * chunk + p.bSumMsPerToken() * chunk * dpUnits) / 1e3;
        double bound = o.instances() * dpUnits * chunk / fullPassSeconds / prompts.mean();
        if (o.capacityRps() != null) {
            progress(String.format(Locale.ROOT, "capacity: %.1f requests/s as given (profile's full-pass bound %.1f)",
                    o.capacityRps(), bound));
            return new Capacity(o.capacityRps(), null, 0, bound);
        }
        int units = o.instances() * dpUnits;
        Duration window = seconds(o.capacitySeconds());
        Duration ramp = CAPACITY_RAMP.compareTo(window) < 0 ? CAPACITY_RAMP : window;
        int callers = (int) Math.ceil(CALLERS_PER_CHUNK * units * chunk / prompts.mean());
        progress(String.format(Locale.ROOT, "capacity: closed loop of %d callers straight to the %d DP units, "
                + "%.0f s ramp + %.0f s measured", callers, units, ramp.toNanos() / 1e9, o.capacitySeconds()));
        List<String> urls = engines.urls().stream().map(URI::toString).toList();
        StreamingClient.Saturation s = client.saturate(callers,
                c -> new StreamingClient.Target(urls.get(c % units / dpUnits), c % units % dpUnits),
                new StreamingClient.PromptSampler(prompts, o.seed()), ramp, window);
        if (s.firstTokens() == 0) {
            throw new IllegalStateException("the capacity run got no first token from the engines; see "
                    + logs("capacity"));
        }
        progress(String.format(Locale.ROOT, "capacity: %.1f requests/s measured (%d sent, %d without content); "
                + "the profile's full-pass bound is %.1f", s.requestsPerSecond(), s.sent(), s.failed(), bound));
        return new Capacity(s.requestsPerSecond(), s, ramp.toNanos() / 1e9, bound);
    }

    /** Poisson arrivals at {@code rate} for {@code seconds}, prompt lengths as the simulator draws them. */
    List<WorkloadRequest> arrivals(double rate, double seconds, long seed) {
        int count = (int) Math.ceil(rate * seconds * 1.5) + 100;
        long end = Math.round(seconds * 1e9);
        // the simulator's generator and output distribution, so the (arrival, prompt) list is the one
        // app/bench paper would simulate at this rate and seed; only the first token is asked for
        return WorkloadGenerator.generate(new PoissonArrivals(rate), prompts, PaperWorkloads.PREFILL_OUTPUTS, count,
                seed).stream().takeWhile(r -> r.arrivalNanos() < end).toList();
    }

    /**
     * One policy's stack: engines and a dispatcher of its own, fresh (nothing learned under another policy
     * carries over: no pass-time average, no watchdog suspicion, no JIT profile), and an unmeasured warm-up.
     * Every policy's stack stays up for the whole run, idle while another is measured, so that the policies
     * are measured back to back at each load, close in time, whatever else the machine is doing meanwhile.
     */
    private PolicyStack start(String policy, StreamingClient client, Credentials credentials, Capacity capacity,
            int dpUnits, int chunk) throws InterruptedException {
        int port = Ports.free();
        String push = o.push() ? "http://127.0.0.1:" + port + "/internal/v1/end-forward" : null;
        Map<String, String> engineEnv = o.push()
                ? Map.of("SBS_ENGINE_TOKEN", credentials.environment().get("SBS_ENGINE_TOKEN")) : Map.of();
        progress("policy " + policy + ": starting " + o.instances() + " engines and the dispatcher");
        EngineProcesses engines = EngineProcesses.start(logs(policy), o.instances(), o.profile(), push, engineEnv);
        PolicyStack stack;
        try {
            stack = new PolicyStack(policy, engines, Dispatcher.start(policy, engines.instances(dpUnits, chunk), port,
                    o.dispatcherJvm(), o.dispatcherArgs(), credentials.environment(),
                    logs(policy).resolve("dispatcher.log")));
        } catch (RuntimeException e) {
            engines.close();
            throw e;
        }
        try {
            if (o.warmupSeconds() > 0) {
                double rate = o.loads().get(0) * capacity.rps();
                progress(String.format(Locale.ROOT, "policy %s: warm-up, %.0f s at %.1f requests/s (not measured)",
                        policy, o.warmupSeconds(), rate));
                client.replay(stack.url(), arrivals(rate, o.warmupSeconds(), o.seed() + 1), DRAIN);
                awaitIdle(engines);
            }
            return stack;
        } catch (RuntimeException | InterruptedException e) {
            stack.close();
            throw e;
        }
    }

    /** One policy at one load, on idle engines; the other stacks idle meanwhile. */
    private RunResult run(PolicyStack stack, List<PolicyStack> all, StreamingClient client, double load, double rate,
            List<WorkloadRequest> requests) throws InterruptedException {
        String policy = stack.policy();
        progress(String.format(Locale.ROOT, "load %.2f (%.1f requests/s, %d arrivals), policy %s", load, rate,
                requests.size(), policy));
        List<ProcessHandle> idle = new ArrayList<>();
        for (PolicyStack other : all) {
            if (other != stack) {
                idle.addAll(other.processes());
            }
        }
        Map<String, Double> meters0 = meters.dispatcher(stack.url());
        long[] cpu0 = RunMeters.cpu(stack, idle);
        long t0 = System.nanoTime();
        StreamingClient.Replay replay = client.replay(stack.url(), requests, DRAIN);
        awaitIdle(stack.engines());
        double wall = (System.nanoTime() - t0) / 1e9;
        long warmup = Math.round(MEASURED_AFTER * o.seconds() * 1e9);
        RunResult r = RunResult.of(policy, load, rate, replay, warmup,
                RunMeters.cpuUse(cpu0, RunMeters.cpu(stack, idle), wall),
                RunMeters.difference(meters0, meters.dispatcher(stack.url())), wall);
        RequestsCsv.append(o.out().resolve("requests.csv"), policy, load, replay, warmup);
        progress(String.format(Locale.ROOT, "load %.2f, policy %s: TTFT mean %.0f ms, p50 %.0f, p99 %.0f "
                + "(%d measured); statuses %s; CPU cores dispatcher %.2f, engines %.2f, client %.2f, idle stacks "
                + "%.2f, others %.2f, machine busy %.0f %%", load, policy, r.ttft().meanMs(), r.ttft().p50Ms(),
                r.ttft().p99Ms(), r.measured(), r.statuses(), r.cpu().dispatcherCores(), r.cpu().enginesCores(),
                r.cpu().clientCores(), r.cpu().idleStacksCores(), r.cpu().otherCores(), 100 * r.cpu().machineBusy()));
        return r;
    }

    /**
     * Waits for the engines to finish what the run left queued, so the next run starts on idle engines; after
     * {@link #DRAIN} it says so and goes on, rather than lose the runs done so far.
     */
    private void awaitIdle(EngineProcesses engines) throws InterruptedException {
        try {
            engines.awaitIdle(DRAIN);
        } catch (IllegalStateException e) {
            progress("warning: " + e.getMessage() + "; the next run starts on that backlog");
        }
    }

    private Path logs(String phase) {
        return o.out().resolve("logs").resolve(phase);
    }

    /** A progress line on the console and in {@code live.log}. */
    private void progress(String line) {
        progress.note(line);
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
