package io.sbs.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Supplier;
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
    /** Earliest finish time on the tokens each unit would compute after its cached prefix. */
    public static final String EFT_CACHE = "eft-cache";
    /** The decode placement of SBS, in reports. */
    public static final String SBS_DECODE_ALLOCATOR = "iqr-step-cost";
    public static final String LEAST_KV_TOKENS = "least-kv-tokens";
    public static final String KV_BATCH_BALANCED = "kv-batch-balanced";
    public static final String STEP_COST_BALANCED = "step-cost-balanced";

    /** The strategies whose decode placement is a baseline (not SBS's), one per decode placement. */
    public static final List<String> DECODE_BASELINES = List.of(ROUND_ROBIN,
            LEAST_OUTSTANDING_TOKENS, LEAST_KV_TOKENS, KV_BATCH_BALANCED, STEP_COST_BALANCED);

    /**
     * The strategies whose prefill decisions are costed on uncached tokens
     * ({@link ClusterState#chargeUncachedTokens}): the cache-aware ones.
     */
    private static final Set<String> CHARGE_UNCACHED = Set.of(SBS_CACHE, CACHE_AWARE, EFT_CACHE);

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
        register(new Definition(SBS, "Staggered Batch Scheduling: PBAA water filling, IQR-masked step-cost decode",
                true, SBS_DECODE_ALLOCATOR,
                (c, r) -> new StaggeredPrefillDispatch(c, new WaterFillingPrefillAllocator()), PolicyRegistry::sbsDecode));
        register(new Definition(SBS_CACHE, "Staggered Batch Scheduling with cache-aware PBAA", true,
                SBS_DECODE_ALLOCATOR,
                (c, r) -> new StaggeredPrefillDispatch(c, new CacheAwarePrefillAllocator(
                        c.policy().cacheBlockTokens(), c.policy().cacheImbalanceGuard())), PolicyRegistry::sbsDecode));
        register(immediate(ROUND_ROBIN, "Immediate: round robin over DP units", "round-robin",
                (c, r) -> new RoundRobinPolicy(), RoundRobinDecodeAllocator::new));
        register(immediate(LEAST_OUTSTANDING_TOKENS, "Immediate: least outstanding tokens per DP unit",
                "least-batch", (c, r) -> new LeastOutstandingTokensPolicy(), LeastBatchDecodeAllocator::new));
        register(immediate(LEAST_LOADED_INSTANCE, "Immediate: least-loaded instance, then its least-loaded unit",
                "least-batch", (c, r) -> new LeastLoadedInstancePolicy(), LeastBatchDecodeAllocator::new));
        register(immediate(POWER_OF_TWO, "Immediate: power of two choices on outstanding tokens", "least-batch",
                (c, r) -> new PowerOfTwoChoicesPolicy(r), LeastBatchDecodeAllocator::new));
        register(immediate(CACHE_AWARE, "Immediate: SGLang-router-style cache-aware routing", "least-batch",
                (c, r) -> new CacheAwareRoutingPolicy(), LeastBatchDecodeAllocator::new));
        register(immediate(EARLIEST_FINISH_TIME, "Immediate: earliest predicted finish time (pass-aware)",
                "least-batch", (c, r) -> new EarliestFinishTimePolicy(), LeastBatchDecodeAllocator::new));
        register(immediate(EFT_CACHE,
                "Immediate: earliest predicted finish time on the uncached tokens of each unit (pass- and cache-aware)",
                "least-batch", (c, r) -> new EarliestFinishTimePolicy(), LeastBatchDecodeAllocator::new));
        // KV-aware decode balancers as production runs them; prefill by input tokens, as DeepSeek's prefill balancer
        register(immediate(LEAST_KV_TOKENS, "Immediate: least outstanding tokens (prefill), least KV tokens (decode)",
                "least-kv-tokens", (c, r) -> new LeastOutstandingTokensPolicy(), LeastKvTokensDecodeAllocator::new));
        register(immediate(KV_BATCH_BALANCED,
                "Immediate: least outstanding tokens (prefill), KV tokens and batch balanced together (decode)",
                "kv-batch-balanced", (c, r) -> new LeastOutstandingTokensPolicy(), KvBatchBalancedDecodeAllocator::new));
        // the two-key balancer given the step-cost weight SBS's decode learns: the baseline that knows as much
        register(new Definition(STEP_COST_BALANCED,
                "Immediate: least outstanding tokens (prefill), KV tokens and batch weighed by the learned step cost (decode)",
                false, "step-cost-balanced",
                (c, r) -> ImmediateDispatch.prefill(c, new LeastOutstandingTokensPolicy()),
                (c, r) -> ImmediateDispatch.decode(c,
                        new StepCostBalancedDecodeAllocator(c.decodeStepCost()::tokensPerRequest))));
    }

    /**
     * SBS's decode: the window placed by the IQR mask (look-ahead) and the step-cost key, balanced until the
     * step cost is learned (docs/algorithms.md).
     */
    private static PhaseDispatch sbsDecode(ClusterState c, RandomGenerator r) {
        return new StaggeredDecodeDispatch(c, new IqrLexicographicDecodeAllocator(c.policy().iqrKappa(),
                IqrLexicographicDecodeAllocator.MaskReading.LOOK_AHEAD, IqrLexicographicDecodeAllocator.Selection.STEP_COST,
                c.decodeStepCost()::tokensPerRequest));
    }

    private static Definition immediate(String name, String description, String decodeName,
            BiFunction<ClusterState, RandomGenerator, RoutingPolicy> routing, Supplier<DecodeAllocator> decode) {
        return new Definition(name, description, false, decodeName,
                (c, r) -> ImmediateDispatch.prefill(c, routing.apply(c, r)),
                (c, r) -> ImmediateDispatch.decode(c, decode.get()));
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

    /**
     * The prefill dispatch of {@code name} on {@code cluster}; also sets whether the cluster costs prefill
     * decisions on uncached tokens ({@link #chargesUncachedTokens}), so a policy change takes it along.
     */
    public PhaseDispatch prefill(String name, ClusterState cluster, RandomGenerator random) {
        Definition d = get(name);
        cluster.chargeUncachedTokens(chargesUncachedTokens(name));
        return d.prefill().apply(cluster, random);
    }

    /** Whether the strategy costs a prefill request on a unit at the tokens left after the unit's cached prefix. */
    public boolean chargesUncachedTokens(String name) {
        return CHARGE_UNCACHED.contains(name);
    }

    public PhaseDispatch decode(String name, ClusterState cluster, RandomGenerator random) {
        return get(name).decode().apply(cluster, random);
    }
}
