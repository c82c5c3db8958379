package io.sbs.enginesim;

import io.sbs.cli.Cli;
import io.sbs.cli.HelpOption;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.EngineProfile;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Entry point of {@code app/engine-sim [--role prefill|decode] [--port 30000] [--profile paper]
 * [--instance-id prefill-0] [--end-forward-url URL] [--seed 1] [--kv-cache-tokens N] [--cache-block-tokens N]}.
 * The last two give each DP unit a prefix cache of {@code N} tokens (an LRU of blocks), hashing prompts in blocks
 * of the given size (default: the profile's); {@code --kv-cache-tokens 0} turns the cache off. The engine token for
 * EndForward pushes comes from the environment variable {@code SBS_ENGINE_TOKEN}, never from the command line, so
 * it does not show in process lists.
 */
@Command(name = "app/engine-sim", description = "Starts a simulated SGLang-like engine; it runs until stopped.",
        footer = {"", "EndForward pushes carry the token from the environment variable SBS_ENGINE_TOKEN when set."})
public final class EngineSimCommand implements Callable<Integer> {

    /** The phase the engine serves. */
    enum Role {
        PREFILL, DECODE;

        /** As the option spells it. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Mixin
    HelpOption help;

    @Option(names = "--role", defaultValue = "prefill", paramLabel = "prefill|decode",
            description = "Default: ${DEFAULT-VALUE}.")
    Role role;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "30000", description = "Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--profile", defaultValue = "paper", paramLabel = "NAME|FILE",
            description = "An engine profile by name, or a profile file. Default: ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--instance-id", defaultValue = "prefill-0", paramLabel = "ID",
            description = "Default: ${DEFAULT-VALUE}.")
    String instanceId;

    @Option(names = "--end-forward-url", paramLabel = "URL[,URL...]",
            description = "Where a prefill engine pushes EndForward after each pass (several: in turn); no push "
                    + "without it.")
    @Nullable String endForwardUrl;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--kv-cache-tokens", paramLabel = "N",
            description = "Each prefill DP unit's prefix cache in tokens; 0 turns it off. Default: the profile's.")
    @Nullable Long kvCacheTokens;

    @Option(names = "--cache-block-tokens", paramLabel = "N",
            description = "The prefix cache's block size. Default: the profile's.")
    @Nullable Integer cacheBlockTokens;

    EngineSimCommand() {
    }

    /** The profile with its prefill units' prefix cache as the options size it. */
    static EngineProfile withCache(EngineProfile profile, @Nullable Long kvCacheTokens, @Nullable Integer blockTokens) {
        EngineProfile.Prefill p = profile.prefill();
        int block = blockTokens == null ? p.cacheBlockTokens() : blockTokens;
        if (block < 1) {
            throw new IllegalArgumentException("--cache-block-tokens must be at least 1");
        }
        int blocks = p.cacheBlocksPerUnit();
        if (kvCacheTokens != null) {
            long tokens = kvCacheTokens;
            if (tokens < 0) {
                throw new IllegalArgumentException("--kv-cache-tokens must not be negative");
            }
            blocks = (int) Math.min(Integer.MAX_VALUE, tokens / block);
        }
        return profile.withPrefill(new EngineProfile.Prefill(p.instances(), p.dpUnits(), p.chunkTokens(),
                p.chunkSemantics(), p.t0Ms(), p.bMaxMsPerToken(), p.bSumMsPerToken(), p.attentionMsPerMTokenSq(),
                p.jitterFraction(), blocks, block));
    }

    public static int run(String[] args) {
        return Cli.execute(new EngineSimCommand(), args);
    }

    @Override
    public Integer call() throws InterruptedException {
        EngineProfile loaded = withCache(ProfileLoader.load(profile), kvCacheTokens, cacheBlockTokens);
        AutoCloseable server = switch (role) {
            case PREFILL -> new EngineSimServer(instanceId, loaded, port, seed, endForwardUrl,
                    System.getenv("SBS_ENGINE_TOKEN"));
            case DECODE -> new DecodeSimServer(instanceId, loaded, port);
        };
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
