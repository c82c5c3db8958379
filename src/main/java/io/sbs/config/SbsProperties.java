package io.sbs.config;

import io.sbs.core.InferenceRequest;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.engine.PrefixBlocks;
import io.sbs.state.LeaseTimings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hibernate.validator.constraints.time.DurationMin;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The dispatcher's settings ({@code sbs.*}).
 *
 * @param policy            registry name of the dispatch strategy at start (sbs, round-robin, ...)
 * @param maxPromptTokens   longer prompts are refused with 400
 * @param engineTimeout     per-call (and per-token while streaming) timeout towards engines
 * @param pollInterval      load polling period per instance (default 50 ms): with the first tokens, the
 *                          readiness signals of stock engines; each poll costs the engine one
 *                          /get_load (docs/operations.md, "Readiness signals")
 * @param engineToken       bearer token engines present on the EndForward push; from the environment
 *                          (SBS_ENGINE_TOKEN), never logged
 * @param maxBuffered       bound of the scheduler-side buffer; beyond it new requests get 429
 * @param maxQueueTime      bound of the oldest buffered request's wait; beyond it new requests get 429
 * @param tokenizers        Hugging Face tokenizer.json per model name, for exact prompt lengths
 * @param defaultTokenizer  the tokenizer for models not in sbs.tokenizers; without one, such prompts
 *                          are estimated at four characters per token
 * @param instances         engines to dispatch to; when empty, the embedded simulated cluster starts
 * @param embedded          the embedded default's simulated cluster
 * @param state             where the shared state lives, and this node's part in active-standby
 * @param preview           the policy preview (what-if over recorded traffic)
 * @param maxContextTokens  prompt plus max_tokens may not exceed this (the model's context); more is
 *                          refused with 400, as OpenAI answers. At least sbs.max-prompt-tokens; unset, 131072 or
 *                          sbs.max-prompt-tokens when that is larger
 * @param enginePush        who may push EndForward
 * @param instanceNetworks  where engine instances may live (configured or registered at run time)
 * @param requestReadTimeout a request's body must arrive without a pause this long, and whole within three
 *                          times it; a slower client gets 408 and its connection is closed (default 10 s); the
 *                          headers are bounded by server.netty.idle-timeout
 * @param decode            what the decode placement counts for a request's output length
 */
@Validated
@ConfigurationProperties(prefix = SbsProperties.PREFIX)
public record SbsProperties(
        @DefaultValue("sbs") @NotBlank String policy,
        @DefaultValue("65536") @Positive int maxPromptTokens,
        @DefaultValue("60s") @DurationMin(nanos = 1, message = "must be positive") Duration engineTimeout,
        @DefaultValue("50ms") @DurationMin(nanos = 1, message = "must be positive") Duration pollInterval,
        @Nullable String engineToken,
        @DefaultValue("10000") @Positive int maxBuffered,
        @DefaultValue("2s") @DurationMin(nanos = 1, message = "must be positive") Duration maxQueueTime,
        @Nullable Map<String, Path> tokenizers,
        @Nullable Path defaultTokenizer,
        @Nullable List<@Valid Instance> instances,
        @DefaultValue @Valid Embedded embedded,
        @DefaultValue @Valid State state,
        @DefaultValue @Valid Preview preview,
        @Nullable @Positive Integer maxContextTokens,
        @DefaultValue @Valid EnginePush enginePush,
        @DefaultValue @Valid InstanceNetworks instanceNetworks,
        @DefaultValue("10s") @DurationMin(nanos = 1, message = "must be positive") Duration requestReadTimeout,
        @DefaultValue @Valid Decode decode) {

    public static final String PREFIX = "sbs";

    /** The context when none is set: 128 Ki tokens, or the longest prompt accepted when that is longer. */
    static final int DEFAULT_MAX_CONTEXT_TOKENS = 131_072;

    public SbsProperties {
        // absent, not invalid: the binder leaves an unset map or list null
        tokenizers = tokenizers == null ? Map.of() : Map.copyOf(tokenizers);
        instances = instances == null ? List.of() : List.copyOf(instances);
        maxContextTokens = maxContextTokens == null ? Math.max(DEFAULT_MAX_CONTEXT_TOKENS, maxPromptTokens)
                : maxContextTokens;
    }

    @AssertTrue(message = "sbs.max-context-tokens must be at least sbs.max-prompt-tokens: a prompt the service "
            + "accepts must fit the model's context")
    boolean isContextAtLeastPrompt() {
        return maxContextTokens >= maxPromptTokens;
    }

    /**
     * Output lengths for the decode placement ({@code sbs.decode.*}): a request's KV footprint on its decode
     * unit is its prompt plus the output the dispatcher expects.
     *
     * @param outputLength     max-tokens (the default): the request's max_tokens, or
     *                         sbs.decode.default-max-tokens when it sets none; predicted: the mean output of
     *                         recent finished requests of the same model and prompt-length bucket (learned from
     *                         the engines' usage), capped by the request's max_tokens (docs/operations.md).
     *                         oracle, the simulator's, is refused: no dispatcher knows the true output length
     * @param defaultMaxTokens output tokens counted for a request without max_tokens, and before the
     *                         predictor has learned
     */
    public record Decode(
            @DefaultValue("max-tokens") @NotNull @Pattern(regexp = "(?i)\\s*(max-tokens|predicted)\\s*",
                    message = "must be max-tokens or predicted") String outputLength,
            @DefaultValue("" + InferenceRequest.DEFAULT_OUTPUT_TOKENS) @Positive int defaultMaxTokens) {

        public OutputLengthKnowledge knowledge() {
            return OutputLengthKnowledge.parse(outputLength);
        }
    }

    /**
     * The EndForward push ({@code sbs.engine-push.*}).
     *
     * @param allowAnonymous accept pushes without the engine token when none is set (sbs.engine-token);
     *                       off by default, so a dispatcher without a token refuses every push rather than
     *                       letting anyone who reaches it steer Δ and the watchdog
     */
    public record EnginePush(@DefaultValue("false") boolean allowAnonymous) {
    }

    /**
     * Networks engine instances may be reached on ({@code sbs.instance-networks.*}), in CIDR notation
     * ({@code 10.0.0.0/8}, {@code fd00::/8}). An instance's URL is refused when its host (every address it
     * resolves to) lies in a {@code deny} network, or, with an {@code allow} list, outside all of them.
     *
     * @param allow networks instances must be in; empty: any not denied
     * @param deny  networks no instance may be in; by default the link-local ranges, where cloud metadata
     *              services answer; an empty value denies nothing
     */
    public record InstanceNetworks(@Nullable List<String> allow,
            @DefaultValue({"169.254.0.0/16", "fe80::/10"}) List<String> deny) {

        public InstanceNetworks {
            allow = allow == null ? List.of() : List.copyOf(allow);
            deny = List.copyOf(deny);
        }
    }

    /**
     * One engine instance.
     *
     * @param id               the instance's name, unique among the instances
     * @param url              the engine's HTTP base URL (http or https)
     * @param kind             sglang or vllm
     * @param role             prefill (the default; also an engine that decodes what it prefills) or
     *                         decode: with decode instances declared, every request gets a prefill and
     *                         a decode DP unit (P/D disaggregation, SGLang's bootstrap handshake)
     * @param dpUnits          DP ranks of the instance
     * @param chunkTokens      new prompt tokens per rank per pass (C_max; prefill)
     * @param kvCapacityTokens KV-cache tokens per rank, 0 for unbounded: bounds decode placement; on a prefill
     *                         instance, sizes the dispatcher's view of each rank's prefix cache (0: 1 Mi tokens'
     *                         worth)
     * @param bootstrapPort    port of the prefill server's KV bootstrap server (SGLang's
     *                         --disaggregation-bootstrap-port)
     * @param cacheBlockTokens tokens per prefix block the ingress hashes requests in: the engine's page size
     *                         (SGLang --page-size, vLLM --block-size) or a multiple of it.
     *                         Every prefill instance must use the same, as a request is hashed once
     */
    public record Instance(
            @NotBlank String id,
            @NotBlank String url,
            @NotNull @Pattern(regexp = "sglang|vllm", message = "must be sglang or vllm") String kind,
            @DefaultValue("prefill") @NotNull @Pattern(regexp = "prefill|decode", message = "must be prefill or decode")
                    String role,
            @Positive int dpUnits,
            @PositiveOrZero int chunkTokens,
            @DefaultValue("0") @PositiveOrZero long kvCapacityTokens,
            @DefaultValue("" + Instance.DEFAULT_BOOTSTRAP_PORT) @Min(1) @Max(65_535) int bootstrapPort,
            @DefaultValue("" + PrefixBlocks.DEFAULT_BLOCK_TOKENS) @Positive int cacheBlockTokens) {

        /** SGLang's default {@code --disaggregation-bootstrap-port}. */
        public static final int DEFAULT_BOOTSTRAP_PORT = 8998;

        @ConstructorBinding
        public Instance {
            // 0 is the setting's "unbounded"; the rest of the service compares against Long.MAX_VALUE
            kvCapacityTokens = kvCapacityTokens == 0 ? Long.MAX_VALUE : kvCapacityTokens;
        }

        /**
         * An instance registered at run time, hashed in blocks of the default size; the API leaves out what
         * it was not given: {@code role} null for prefill, {@code bootstrapPort} 0 for
         * {@link #DEFAULT_BOOTSTRAP_PORT}.
         */
        public Instance(String id, String url, String kind, @Nullable String role, int dpUnits, int chunkTokens,
                long kvCapacityTokens, int bootstrapPort) {
            this(id, url, kind, role == null ? "prefill" : role, dpUnits, chunkTokens, kvCapacityTokens,
                    bootstrapPort == 0 ? DEFAULT_BOOTSTRAP_PORT : bootstrapPort, PrefixBlocks.DEFAULT_BLOCK_TOKENS);
        }
    }

    /**
     * The embedded default's simulated cluster ({@code sbs.embedded.*}), started when no instance is set.
     *
     * @param profile    engine profile of the simulated cluster (divided: 3 instances of DP8)
     * @param demoQps    a demo load of this many requests per second, 0 for none
     * @param endForward whether the simulated engines push EndForward after every pass; off by default, as
     *                   stock SGLang and vLLM push nothing
     */
    public record Embedded(
            @DefaultValue("divided") @NotBlank String profile,
            @DefaultValue("" + Embedded.DEFAULT_DEMO_QPS) @PositiveOrZero double demoQps,
            @DefaultValue("false") boolean endForward) {

        /** A light load, so an embedded default shows requests flowing at once. */
        public static final int DEFAULT_DEMO_QPS = 5;
    }

    /**
     * The policy preview ({@code sbs.preview.*}).
     *
     * @param window         how far back accepted requests are recorded for replay
     * @param maxRequests    cap on recorded requests (24 bytes each); the oldest go first beyond it
     * @param maxBlockHashes cap on recorded prefix block hashes (8 bytes each); 0 records none
     * @param profile        engine profile whose timing the simulated instances use; by default the embedded
     *                       default's (sbs.embedded.profile)
     * @param traces         directory of named traces (.csv Azure, .jsonl Mooncake) a preview
     *                       may replay instead; unset or missing, a preview offers none and replays recorded
     *                       traffic only
     * @param threads        simulations run at once (2: the current and the proposed policy together)
     * @param giveUp         a simulated policy that makes a request wait this long is reported saturated; by
     *                       default sbs.max-queue-time plus the longest replayed prompt's time alone
     * @param budget         wall-clock time a preview may take; one that runs longer stops and is answered
     *                       422 (too large), so no ask holds the preview's threads for long
     */
    public record Preview(
            @DefaultValue("10m") @DurationMin(nanos = 1, message = "must be positive") Duration window,
            @DefaultValue("1000000") @Positive int maxRequests,
            @DefaultValue("4194304") @PositiveOrZero int maxBlockHashes,
            @Nullable String profile,
            @Nullable Path traces,
            @DefaultValue("2") @Positive int threads,
            @Nullable @DurationMin(nanos = 1, message = "must be positive") Duration giveUp,
            @DefaultValue("30s") @DurationMin(nanos = 1, message = "must be positive") Duration budget) {
    }

    /**
     * Shared state and leadership ({@code sbs.state.*}). The lease's defaults are
     * {@link LeaseTimings#DEFAULTS}.
     *
     * @param store            memory (the embedded default: one node, always leader) or redis
     *                         (active-standby through the lease; connection from spring.data.redis.*)
     * @param cluster          the cluster's name, the hash tag of its Redis keys
     * @param nodeId           this replica's identity, unique in the cluster; by default the host name
     *                         (HOSTNAME, the pod's name under Kubernetes) and the process id
     * @param leaseTtl         lease TTL; demotion deadline + command timeout must stay under it
     * @param renewPeriod      how often the lease is renewed or tried; shorter than the demotion deadline
     * @param demotionDeadline a leader that has not renewed for this long stops acting as leader
     * @param commandTimeout   timeout of every lease and fenced command
     * @param waitReplicas     replicas that must acknowledge an accepted request before it counts as accepted
     *                         (Redis WAIT); 0 acknowledges on the master's write alone
     * @param waitTimeout      how long an acceptance waits for those replicas
     * @param policySync       how often every node reads the stored policy, so a standby runs the current one
     * @param decisionTimeout  how long an accepted request waits for a leader's decision before it is answered
     *                         with 503; it must cover a takeover (lease TTL plus a renewal)
     * @param degradedGrace    how long the store may fail to answer before each node decides its requests
     *                         alone (degraded mode, docs/operations.md); 0 turns it off, and
     *                         requests then wait for a leader up to sbs.state.decision-timeout
     */
    public record State(
            @DefaultValue("memory") @NotNull @Pattern(regexp = "memory|redis", message = "must be memory or redis")
                    String store,
            @DefaultValue("sbs") @NotBlank String cluster,
            @Nullable String nodeId,
            // LeaseTimings.DEFAULTS, spelled out for the configuration metadata
            @DefaultValue("2500ms") @DurationMin(nanos = 1, message = "must be positive") Duration leaseTtl,
            @DefaultValue("500ms") @DurationMin(nanos = 1, message = "must be positive") Duration renewPeriod,
            @DefaultValue("1500ms") @DurationMin(nanos = 1, message = "must be positive") Duration demotionDeadline,
            @DefaultValue("500ms") @DurationMin(nanos = 1, message = "must be positive") Duration commandTimeout,
            @DefaultValue("0") @PositiveOrZero int waitReplicas,
            @DefaultValue("200ms") @DurationMin(nanos = 1, message = "must be positive") Duration waitTimeout,
            @DefaultValue("1s") @DurationMin(nanos = 1, message = "must be positive") Duration policySync,
            @DefaultValue("10s") @DurationMin(nanos = 1, message = "must be positive") Duration decisionTimeout,
            // shorter than the longest pause in answers the Sentinel drill allows (1 s), with room for a cycle
            @DefaultValue("500ms") @DurationMin(nanos = 0, message = "must not be negative (0 turns degraded mode off)")
                    Duration degradedGrace) {

        public State {
            // not a fixed default: the host and the process tell replicas apart
            nodeId = nodeId == null || nodeId.isBlank() ? defaultNodeId() : nodeId;
        }

        @AssertTrue(message = "sbs.state.demotion-deadline must exceed sbs.state.renew-period, and "
                + "sbs.state.demotion-deadline + sbs.state.command-timeout must be shorter than sbs.state.lease-ttl: "
                + "else one slow renewal demotes the leader, or two nodes may act as leader at once")
        boolean isLeaseConsistent() {
            return leaseTtl == null || renewPeriod == null || demotionDeadline == null || commandTimeout == null
                    || demotionDeadline.compareTo(renewPeriod) > 0
                    && demotionDeadline.plus(commandTimeout).compareTo(leaseTtl) < 0;
        }

        public LeaseTimings timings() {
            return new LeaseTimings(leaseTtl, renewPeriod, demotionDeadline, commandTimeout);
        }

        // HOSTNAME is the pod name under Kubernetes; the suffix keeps two processes on one host apart
        private static String defaultNodeId() {
            String host = System.getenv("HOSTNAME");
            String suffix = Long.toString(ProcessHandle.current().pid());
            return (host == null || host.isBlank() ? "node" : host) + "-" + suffix;
        }
    }
}
