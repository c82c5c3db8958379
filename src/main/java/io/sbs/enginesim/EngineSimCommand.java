package io.sbs.enginesim;

import io.sbs.bench.io.ProfileLoader;
import io.sbs.sim.EngineProfile;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of {@code app/engine-sim [--role prefill|decode] [--port 30000] [--profile paper]
 * [--instance-id prefill-0] [--end-forward-url URL] [--seed 1]}. The engine token for EndForward pushes comes from the environment
 * variable {@code SBS_ENGINE_TOKEN}, never from the command line, so it does not show in process lists.
 */
public final class EngineSimCommand {

    private EngineSimCommand() {
    }

    public static int run(String[] args) throws InterruptedException {
        Map<String, String> o = new LinkedHashMap<>(Map.of("port", "30000", "profile", "paper", "instance-id",
                "prefill-0", "seed", "1", "role", "prefill"));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help")) {
                System.out.println("usage: app/engine-sim [--role prefill|decode] [--port N] [--profile NAME|FILE] "
                        + "[--instance-id ID] [--end-forward-url URL] [--seed N]   (token for pushes: env SBS_ENGINE_TOKEN)");
                return 0;
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                System.err.println("app/engine-sim: expected --name value, got '" + a + "' (see --help)");
                return 2;
            }
            String name = a.substring(2);
            if (!Map.of("port", 1, "profile", 1, "instance-id", 1, "end-forward-url", 1, "seed", 1, "role", 1)
                    .containsKey(name)) {
                System.err.println("app/engine-sim: unknown option --" + name + " (see --help)");
                return 2;
            }
            o.put(name, args[++i]);
        }
        EngineProfile profile;
        int port;
        long seed;
        try {
            profile = ProfileLoader.load(o.get("profile"));
            port = Integer.parseInt(o.get("port"));
            seed = Long.parseLong(o.get("seed"));
        } catch (IllegalArgumentException e) {
            System.err.println("app/engine-sim: " + e.getMessage());
            return 2;
        }
        AutoCloseable server = switch (o.get("role")) {
            case "prefill" -> new EngineSimServer(o.get("instance-id"), profile, port, seed, o.get("end-forward-url"),
                    System.getenv("SBS_ENGINE_TOKEN"));
            case "decode" -> new DecodeSimServer(o.get("instance-id"), profile, port);
            default -> null;
        };
        if (server == null) {
            System.err.println("app/engine-sim: --role must be prefill or decode");
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("app/engine-sim: stopping failed: " + e);
            }
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
