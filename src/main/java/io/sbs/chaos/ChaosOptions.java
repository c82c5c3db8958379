package io.sbs.chaos;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One drill's settings.
 *
 * @param drill          {@code failover}, {@code fence} or {@code sentinel}
 * @param runs           faults injected, one per run
 * @param seed           seeds the moments of the faults
 * @param qps            client requests per second, over both dispatchers
 * @param policy         the dispatchers' {@code sbs.policy}
 * @param out            where {@code summary.json}, {@code summary.md} and {@code logs/} go
 * @param after          how long the load goes on after the service recovered
 * @param timeout        a client request without an answer by then is lost
 * @param redisConfigs   the repository's {@code redis/} directory (the sentinel drill's configurations)
 * @param dispatcherArgs Spring arguments added to both dispatchers' command lines (after {@code --})
 * @param redis          {@code standalone} (one redis-server) or {@code cluster} (a Redis Cluster of three
 *                       masters); the sentinel drill brings its own
 * @param push           the prefill engines push EndForward through the dispatchers ({@code --push}); without
 *                       it they push nothing, as stock engines
 */
record ChaosOptions(String drill, int runs, long seed, double qps, String policy, Path out, Duration after,
        Duration timeout, Path redisConfigs, List<String> dispatcherArgs, String redis, boolean push) {

    static final Set<String> DRILLS = Set.of("failover", "fence", "sentinel");
    static final Set<String> REDIS = Set.of("standalone", "cluster");

    ChaosOptions {
        if (!DRILLS.contains(drill)) {
            throw new IllegalArgumentException("unknown drill '" + drill + "'; drills: failover, fence, sentinel");
        }
        if (runs < 1 || !(qps > 0) || after.isNegative() || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("--runs, --qps and --timeout must be positive, --after not negative");
        }
        dispatcherArgs = List.copyOf(dispatcherArgs);
        if (!REDIS.contains(redis) || (drill.equals("sentinel") && !redis.equals("standalone"))) {
            throw new IllegalArgumentException("--redis is standalone or cluster, and the sentinel drill brings its "
                    + "own Sentinel-watched Redis; was " + redis + " for " + drill);
        }
    }

    /** {@code <drill> [--name value ...] [-- spring-args...]}, as {@code app/chaos} reads it. */
    static ChaosOptions parse(String[] args) {
        return ChaosCommand.parse(args);
    }

    /**
     * The repository's {@code redis/}: next to the directory of the jar ({@code target/sbs.jar}), else under
     * the working directory.
     */
    static Path defaultRedisConfigs() {
        String classPath = System.getProperty("java.class.path", "");
        if (classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)) {
            Path jarDir = Path.of(classPath).toAbsolutePath().getParent();
            @Nullable Path beside = jarDir == null || jarDir.getParent() == null ? null : jarDir.getParent().resolve("redis");
            if (beside != null && Files.isDirectory(beside)) {
                return beside;
            }
        }
        return Path.of("redis");
    }
}
