package io.sbs.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.random.RandomGenerator;

/**
 * Every dispatch strategy by name, registered explicitly (no classpath scanning). A strategy pairs a
 * prefill dispatch with a decode dispatch; operators select one by name in the policy.
 */
public final class PolicyRegistry {

    public static final String SBS = "sbs";
    public static final String SBS_CACHE = "sbs-cache";
    public static final String ROUND_ROBIN = "round-robin";
    public static final String LEAST_OUTSTANDING_TOKENS = "least-outstanding-tokens";
    public static final String LEAST_LOADED_INSTANCE = "least-loaded-instance";
    public static final String POWER_OF_TWO = "power-of-two";
    public static final String CACHE_AWARE = "cache-aware";
    public static final String EARLIEST_FINISH_TIME = "earliest-finish-time";

    /**
     * One registered strategy.
     *
     * @param staggered whether it buffers (SBS) or binds at arrival (the immediate baselines)
     * @param decodeAllocatorName the name of the decode placement it uses, for reports
     */
    public record Definition(String name, String description, boolean staggered, String decodeAllocatorName,
            BiFunction<ClusterState, RandomGenerator, PhaseDispatch> prefill,
            BiFunction<ClusterState, RandomGenerator, PhaseDispatch> decode) {
    }

    private static final PolicyRegistry STANDARD = new PolicyRegistry();

    private final Map<String, Definition> definitions = new LinkedHashMap<>();

    private PolicyRegistry() {
        register(new Definition(SBS, "Staggered Batch Scheduling: PBAA water filling, IQR-lexicographic decode",
                true, "iqr-lexicographic",
                (c, r) -> new StaggeredPrefillDispatch(c, new WaterFillingPrefillAllocator()),
                (c, r) -> new StaggeredDecodeDispatch(c, new IqrLexicographicDecodeAllocator(c.policy().iqrKappa()))));
        register(new Definition(SBS_CACHE, "Staggered Batch Scheduling with cache-aware PBAA", true,
                "iqr-lexicographic",
                (c, r) -> new StaggeredPrefillDispatch(c, new CacheAwarePrefillAllocator(
                        c.policy().cacheBlockTokens(), c.policy().cacheImbalanceGuard())),
                (c, r) -> new StaggeredDecodeDispatch(c, new IqrLexicographicDecodeAllocator(c.policy().iqrKappa()))));
        register(immediate(ROUND_ROBIN, "Immediate: round robin over DP units", "round-robin",
                (c, r) -> new RoundRobinPolicy(), true));
        register(immediate(LEAST_OUTSTANDING_TOKENS, "Immediate: least outstanding tokens per DP unit",
                "least-batch", (c, r) -> new LeastOutstandingTokensPolicy(), false));
        register(immediate(LEAST_LOADED_INSTANCE, "Immediate: least-loaded instance, then its least-loaded unit",
                "least-batch", (c, r) -> new LeastLoadedInstancePolicy(), false));
        register(immediate(POWER_OF_TWO, "Immediate: power of two choices on outstanding tokens", "least-batch",
                (c, r) -> new PowerOfTwoChoicesPolicy(r), false));
        register(immediate(CACHE_AWARE, "Immediate: SGLang-router-style cache-aware routing", "least-batch",
                (c, r) -> new CacheAwareRoutingPolicy(), false));
        register(immediate(EARLIEST_FINISH_TIME, "Immediate: earliest predicted finish time (pass-aware)",
                "least-batch", (c, r) -> new EarliestFinishTimePolicy(), false));
    }

    private static Definition immediate(String name, String description, String decodeName,
            BiFunction<ClusterState, RandomGenerator, RoutingPolicy> routing, boolean roundRobinDecode) {
        return new Definition(name, description, false, decodeName,
                (c, r) -> ImmediateDispatch.prefill(c, routing.apply(c, r)),
                (c, r) -> ImmediateDispatch.decode(c,
                        roundRobinDecode ? new RoundRobinDecodeAllocator() : new LeastBatchDecodeAllocator()));
    }

    private void register(Definition d) {
        definitions.put(d.name(), d);
    }

    /** The built-in strategies. */
    public static PolicyRegistry standard() {
        return STANDARD;
    }

    public boolean contains(String name) {
        return definitions.containsKey(name);
    }

    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(definitions.keySet()));
    }

    public Definition get(String name) {
        Definition d = definitions.get(name);
        if (d == null) {
            throw new IllegalArgumentException("unknown policy '" + name + "', known: " + names());
        }
        return d;
    }

    public PhaseDispatch prefill(String name, ClusterState cluster, RandomGenerator random) {
        return get(name).prefill().apply(cluster, random);
    }

    public PhaseDispatch decode(String name, ClusterState cluster, RandomGenerator random) {
        return get(name).decode().apply(cluster, random);
    }
}
