package io.sbs.bench.http;

import io.sbs.tools.Credentials;
import io.sbs.tools.JvmLauncher;
import io.sbs.tools.Ports;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The service under test in a JVM of its own, started as {@code java -jar sbs.jar} would start it (the
 * same build as the benchmark), with the benchmark's engines configured as SGLang prefill instances, on a
 * loopback port, without the demo load and with logging at WARN so the console costs nothing per request.
 * Its own process, as nginx is: its CPU is counted apart, and the generator's and engines' garbage and
 * JIT profiles (they run Reactor Netty too) are not mixed with its own. {@code app/bench http} runs it over
 * instant engines, {@code app/bench live} over engine-simulator processes.
 */
public final class Dispatcher implements AutoCloseable {

    /**
     * One configured SGLang prefill instance ({@code sbs.instances[i]}).
     *
     * @param chunkTokens {@code C_max} per DP unit
     */
    public record Instance(String id, String url, int dpUnits, int chunkTokens) {
    }

    private final ServingJvm jvm;

    private Dispatcher(ServingJvm jvm) {
        this.jvm = jvm;
    }

    /** Spring's command-line properties for {@code policy} over {@code instances}. */
    static List<String> arguments(String policy, List<Instance> instances, int port) {
        List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--server.address=127.0.0.1",
                "--sbs.policy=" + policy, "--sbs.embedded.demo-qps=0", "--logging.level.root=WARN",
                "--spring.main.banner-mode=off"));
        for (int i = 0; i < instances.size(); i++) {
            Instance instance = instances.get(i);
            String p = "--sbs.instances[" + i + "].";
            args.add(p + "id=" + instance.id());
            args.add(p + "url=" + instance.url());
            args.add(p + "kind=sglang");
            args.add(p + "role=prefill");
            args.add(p + "dp-units=" + instance.dpUnits());
            args.add(p + "chunk-tokens=" + instance.chunkTokens());
        }
        return args;
    }

    /** {@link #start(String, List, int, List, List, Map, Path)} over the instant engines on {@code ports}, on a free port. */
    static Dispatcher start(String policy, List<Integer> ports, int dpUnits, int chunkTokens,
            List<String> jvmOptions, Path log) {
        List<Instance> instances = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            instances.add(new Instance("instant-" + i, "http://127.0.0.1:" + ports.get(i), dpUnits, chunkTokens));
        }
        return start(policy, instances, Ports.free(), jvmOptions, List.of(), Credentials.random().environment(), log);
    }

    /**
     * Starts the dispatcher on {@code port}, its output in {@code log}, and returns once it reports itself
     * ready. The users' passwords and the engine token come in through {@code environment} (drawn at random
     * by the caller, {@link Credentials}), so none is generated and printed to the log, and none shows on a
     * command line.
     *
     * @param springArguments further {@code --name=value} arguments, after the benchmark's own (so they win)
     * @throws HttpBench.SetupException when it exits or is not ready within a minute, with its log's path
     */
    public static Dispatcher start(String policy, List<Instance> instances, int port, List<String> jvmOptions,
            List<String> springArguments, Map<String, String> environment, Path log) {
        // its garbage-collection pauses logged beside its output: they are what its tail latency is made of
        List<String> jvm = new ArrayList<>(jvmOptions);
        jvm.add("-Xlog:gc:file=" + log.toAbsolutePath() + ".gc");
        List<String> args = new ArrayList<>(arguments(policy, instances, port));
        args.addAll(springArguments);
        return new Dispatcher(ServingJvm.start("the dispatcher", JvmLauncher.ofThisJvm().command(jvm, args), environment,
                port, "/actuator/health/readiness", log));
    }

    public int port() {
        return jvm.port();
    }

    public ProcessHandle process() {
        return jvm.process();
    }

    /** Stops it: SIGTERM (Spring's graceful shutdown), then a kill if it has not exited within ten seconds. */
    @Override
    public void close() {
        jvm.close();
    }
}
