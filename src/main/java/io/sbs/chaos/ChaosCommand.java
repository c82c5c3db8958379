package io.sbs.chaos;

/** Entry point of {@code app/chaos <drill> [--runs N] [options] --out DIR [-- dispatcher-args...]}. */
public final class ChaosCommand {

    static final String USAGE = """
            usage: app/chaos <drill> [--runs 1] [--seed 1] [--qps 20] [--policy sbs] [--after 3] [--timeout 30]
                                     [--redis standalone|cluster] [--push] --out DIR [-- spring-args-for-both-dispatchers...]
              failover  SIGKILL the leader at a random moment; takeover_ms, sent, completed, failed_with_error, lost,
                        registered_instance_served_after_takeover; --push: the engines push EndForward through
                        the dispatchers in turn, and push_readiness_after_takeover_ms
              fence     SIGSTOP the leader past its lease, let the standby take over, SIGCONT; stale writes
              sentinel  SIGKILL the Redis master (2 replicas, 3 Sentinels; --redis-configs DIR, default the
                        repository's redis/); pause in service and lost
            --redis cluster runs failover or fence on a Redis Cluster of three masters (redis-cli --cluster create).
            Every run starts real processes (redis-server, engine simulators, two dispatcher JVMs) under a temporary
            directory and kills them at the end; results go to DIR/summary.json and DIR/summary.md, the processes'
            logs to DIR/logs/. Needs redis-server on the PATH (apt-get install -y redis-server).
            """;

    private ChaosCommand() {
    }

    /** Runs a drill; returns the process exit code (0 ran, 1 failed, 2 bad usage). */
    public static int run(String[] args) {
        return run(args, JvmLauncher.ofThisJvm());
    }

    static int run(String[] args, JvmLauncher launcher) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            System.out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        ChaosOptions options;
        try {
            options = ChaosOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("app/chaos: " + e.getMessage() + " (see --help)");
            return 2;
        }
        try (Harness harness = new Harness(options, launcher)) {
            Drill drill = switch (options.drill()) {
                case "failover" -> new FailoverDrill(harness, options);
                case "fence" -> new FenceDrill(harness, options);
                case "sentinel" -> new SentinelDrill(harness, options);
                default -> throw new IllegalArgumentException("unknown drill " + options.drill());
            };
            DrillReport report = drill.run();
            report.write(options.out(), options);
            System.out.print(report.markdown(options));
            System.out.println("wrote " + options.out().resolve("summary.json") + " and summary.md; logs in "
                    + options.out().resolve("logs"));
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("app/chaos: interrupted");
            return 1;
        } catch (Exception e) {
            System.err.println("app/chaos: " + options.drill() + " failed: " + e.getMessage());
            e.printStackTrace();
            return 1;
        }
    }
}
