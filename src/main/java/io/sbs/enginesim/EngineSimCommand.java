package io.sbs.enginesim;

import io.sbs.bench.io.ProfileLoader;
import io.sbs.sim.EngineProfile;
import org.jspecify.annotations.Nullable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of {@code app/engine-sim [--role prefill|decode] [--port 30000] [--profile paper]
 * [--instance-id prefill-0] [--end-forward-url URL] [--seed 1] [--kv-cache-tokens N] [--cache-block-tokens N]}.
 * The last two give each DP unit a prefix cache of {@code N} tokens (an LRU of blocks), hashing prompts in blocks
 * of the given size (default: the profile's); {@code --kv-cache-tokens 0} turns the cache off. The engine token for EndForward pushes comes from the environment
 * variable {@code SBS_ENGINE_TOKEN}, never from the command line, so it does not show in process lists.
 */
public final class EngineSimCommand {

    private EngineSimCommand() {
    }

    /** The profile with its prefill units' prefix cache as the options size it. */
    static EngineProfile withCache(EngineProfile profile, @Nullable String kvCacheTokens, @Nullable String blockTokens) {
        EngineProfile.Prefill p = profile.prefill();
        int block = blockTokens == null ? p.cacheBlockTokens() : Integer.parseInt(blockTokens);
        if (block < 1) {
            throw new IllegalArgumentException("--cache-block-tokens must be at least 1");
        }
        int blocks = p.cacheBlocksPerUnit();
        if (kvCacheTokens != null) {
            long tokens = Long.parseLong(kvCacheTokens);
            if (tokens < 0) {
                throw new IllegalArgumentException("--kv-cache-tokens must not be negative");
            }
            blocks = (int) Math.min(Integer.MAX_VALUE, tokens / block);
        }
        return profile.withPrefill(new EngineProfile.Prefill(p.instances(), p.dpUnits(), p.chunkTokens(),
                p.chunkSemantics(), p.t0Ms(), p.bMaxMsPerToken(), p.bSumMsPerToken(), p.attentionMsPerMTokenSq(),
                p.jitterFraction(), blocks, block));
    }

    public static int run(String[] args) throws InterruptedException {
        Map<String, String> o = new LinkedHashMap<>(Map.of("port", "30000", "profile", "paper", "instance-id",
                "prefill-0", "seed", "1", "role", "prefill"));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help")) {
                System.out.println("usage: app/engine-sim [--role prefill|decode] [--port N] [--profile NAME|FILE] "
                        + "[--instance-id ID] [--end-forward-url URL] [--seed N] [--kv-cache-tokens N] "
                        + "[--cache-block-tokens N]   (token for pushes: env SBS_ENGINE_TOKEN)");
                return 0;
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                System.err.println("app/engine-sim: expected --name value, got '" + a + "' (see --help)");
                return 2;
            }
            String name = a.substring(2);
            if (!Map.of("port", 1, "profile", 1, "instance-id", 1, "end-forward-url", 1, "seed", 1, "role", 1,
                    "kv-cache-tokens", 1, "cache-block-tokens", 1).containsKey(name)) {
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
            profile = withCache(profile, o.get("kv-cache-tokens"), o.get("cache-block-tokens"));
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
