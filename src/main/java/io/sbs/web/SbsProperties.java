package io.sbs.web;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.sbs.core.InferenceRequest;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.engine.PrefixBlocks;
import io.sbs.state.LeaseTimings;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.validation.annotation.Validated;

/**
 * The dispatcher's settings ({@code sbs.*}).
 *
 * @param policy            registry name of the dispatch strategy at start ({@code sbs}, {@code round-robin}, ...)
 * @param maxPromptTokens   longer prompts are refused with 400
 * @param engineTimeout     per-call (and per-token while streaming) timeout towards engines
 * @param pollInterval      load polling period per instance (default 50 ms): with the first tokens, the
 *                          readiness signals of stock engines; each poll costs the engine one
 *                          {@code /get_load} (docs/operations.md, "Readiness signals")
 * @param engineToken       bearer token engines present on the EndForward push; from the environment
 *                          ({@code SBS_ENGINE_TOKEN}), never logged
 * @param maxBuffered       bound of the scheduler-side buffer; beyond it new requests get 429
 * @param maxQueueTime      bound of the oldest buffered request's wait; beyond it new requests get 429
 * @param tokenizers        Hugging Face {@code tokenizer.json} per model name, for exact prompt lengths
 * @param defaultTokenizer  the tokenizer for models not in {@code tokenizers}; without one, such prompts
 *                          are estimated at four characters per token
 * @param instances         engines to dispatch to; when empty, the embedded simulated cluster starts
 * @param embedded          the embedded default's simulated cluster
 * @param state             where the shared state lives, and this node's part in active-standby
 * @param preview           the policy preview (what-if over recorded traffic)
 * @param maxContextTokens  prompt plus {@code max_tokens} may not exceed this (the model's context); more is
 *                          refused with 400, as OpenAI answers. At least {@code maxPromptTokens}
 * @param enginePush        who may push EndForward
 * @param instanceNetworks  where engine instances may live (configured or registered at run time)
 * @param requestReadTimeout a request's body must arrive without a pause this long, and whole within three
 *                          times it; a slower client gets 408 and its connection is closed (default 10 s); the
 *                          headers are bounded by {@code server.netty.idle-timeout}
 * @param decode            what the decode placement counts for a request's output length
 */
@Validated
@ConfigurationProperties(prefix = SbsProperties.PREFIX)
public record SbsProperties(String policy, int maxPromptTokens, Duration engineTimeout, Duration pollInterval,
        @Nullable String engineToken, int maxBuffered, Duration maxQueueTime, Map<String, Path> tokenizers,
        @Nullable Path defaultTokenizer,
        List<Instance> instances, Embedded embedded, State state, Preview preview, int maxContextTokens,
        EnginePush enginePush, InstanceNetworks instanceNetworks, Duration requestReadTimeout, Decode decode) {

    public static final String PREFIX = "sbs";

    public SbsProperties {
        policy = policy == null ? "sbs" : policy;
        maxPromptTokens = maxPromptTokens <= 0 ? 65_536 : maxPromptTokens;
        engineTimeout = engineTimeout == null ? Duration.ofSeconds(60) : engineTimeout;
        pollInterval = pollInterval == null ? Duration.ofMillis(50) : pollInterval;
        maxBuffered = maxBuffered <= 0 ? 10_000 : maxBuffered;
        maxQueueTime = maxQueueTime == null ? Duration.ofSeconds(2) : maxQueueTime;
        tokenizers = tokenizers == null ? Map.of() : Map.copyOf(tokenizers);
        instances = instances == null ? List.of() : List.copyOf(instances);
        embedded = embedded == null ? new Embedded(null, 0, false) : embedded;
        state = state == null ? new State(null, null, null, null, null, null, null, 0, null, null, null, null) : state;
        preview = preview == null ? new Preview(null, 0, null, null, null, 0, null, null) : preview;
        maxContextTokens = maxContextTokens <= 0 ? Math.max(131_072, maxPromptTokens) : maxContextTokens;
        if (maxContextTokens < maxPromptTokens) {
            throw new IllegalArgumentException("sbs.max-context-tokens (" + maxContextTokens
                    + ") must be at least sbs.max-prompt-tokens (" + maxPromptTokens + ")");
        }
        enginePush = enginePush == null ? new EnginePush(false) : enginePush;
        instanceNetworks = instanceNetworks == null ? new InstanceNetworks(null, null) : instanceNetworks;
        requestReadTimeout = requestReadTimeout == null ? Duration.ofSeconds(10) : requestReadTimeout;
        decode = decode == null ? new Decode(null, 0) : decode;
    }

    /**
     * Output lengths for the decode placement ({@code sbs.decode.*}): a request's KV footprint on its decode
     * unit is its prompt plus the output the dispatcher expects.
     *
     * @param outputLength     {@code max-tokens} (the default): the request's {@code max_tokens}, or
     *                         {@code defaultMaxTokens} when it sets none; {@code predicted}: the mean output of
     *                         recent finished requests of the same model and prompt-length bucket (learned from
     *                         the engines' usage), capped by the request's {@code max_tokens} (docs/operations.md)
     * @param defaultMaxTokens output tokens counted for a request without {@code max_tokens}, and before the
     *                         predictor has learned (default 256)
     */
    public record Decode(@Nullable String outputLength, int defaultMaxTokens) {

        public Decode {
            outputLength = outputLength == null ? OutputLengthKnowledge.MAX_TOKENS.tag() : outputLength;
            OutputLengthKnowledge k;
            try {
                k = OutputLengthKnowledge.parse(outputLength);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("sbs.decode.output-length must be max-tokens or predicted, was '"
                        + outputLength + "'", e);
            }
            if (k == OutputLengthKnowledge.ORACLE) {
                throw new IllegalArgumentException("sbs.decode.output-length must be max-tokens or predicted: no "
                        + "dispatcher knows the true output length");
            }
            if (defaultMaxTokens < 0) {
                throw new IllegalArgumentException("sbs.decode.default-max-tokens must be >= 0, was " + defaultMaxTokens);
            }
            defaultMaxTokens = defaultMaxTokens == 0 ? InferenceRequest.DEFAULT_OUTPUT_TOKENS : defaultMaxTokens;
        }

        public OutputLengthKnowledge knowledge() {
            return OutputLengthKnowledge.parse(outputLength);
        }
    }

    /**
     * The EndForward push ({@code sbs.engine-push.*}).
     *
     * @param allowAnonymous accept pushes without the engine token when none is set ({@code sbs.engine-token});
     *                       off by default, so a dispatcher without a token refuses every push rather than
     *                       letting anyone who reaches it steer {@code Δ} and the watchdog
     */
    public record EnginePush(boolean allowAnonymous) {
    }

    /**
     * Networks engine instances may be reached on ({@code sbs.instance-networks.*}), in CIDR notation
     * ({@code 10.0.0.0/8}, {@code fd00::/8}). An instance's URL is refused when its host (every address it
     * resolves to) lies in a {@code deny} network, or, with an {@code allow} list, outside all of them.
     *
     * @param allow networks instances must be in; empty: any not denied
     * @param deny  networks no instance may be in; by default the link-local ranges, where cloud metadata
     *              services answer ({@code 169.254.0.0/16}, {@code fe80::/10})
     */
    public record InstanceNetworks(@Nullable List<String> allow, @Nullable List<String> deny) {

        public InstanceNetworks {
            allow = allow == null ? List.of() : List.copyOf(allow);
            deny = deny == null ? List.of("169.254.0.0/16", "fe80::/10") : List.copyOf(deny);
        }
    }

    /**
     * One engine instance.
     *
     * @param kind             {@code sglang} or {@code vllm}
     * @param role             {@code prefill} (the default; also an engine that decodes what it prefills) or
     *                         {@code decode}: with decode instances declared, every request gets a prefill and
     *                         a decode DP unit (P/D disaggregation, SGLang's bootstrap handshake)
     * @param dpUnits          DP ranks of the instance
     * @param chunkTokens      new prompt tokens per rank per pass ({@code C_max}; prefill)
     * @param kvCapacityTokens KV-cache tokens per rank (0 for unbounded): bounds decode placement; on a prefill
     *                         instance, sizes the dispatcher's view of each rank's prefix cache (unset: 1 Mi
     *                         tokens' worth)
     * @param bootstrapPort    port of the prefill server's KV bootstrap server (SGLang's
     *                         {@code --disaggregation-bootstrap-port}, default 8998)
     * @param cacheBlockTokens tokens per prefix block the ingress hashes requests in: the engine's page size
     *                         (SGLang {@code --page-size}, vLLM {@code --block-size}) or a multiple of it
     *                         (default 512). Every prefill instance must use the same, as a request is hashed
     *                         once
     */
    public record Instance(String id, String url, String kind, @Nullable String role, int dpUnits, int chunkTokens,
            long kvCapacityTokens, int bootstrapPort, int cacheBlockTokens) {

        @ConstructorBinding
        public Instance {
            role = role == null ? "prefill" : role;
            if (!role.equals("prefill") && !role.equals("decode")) {
                throw new IllegalArgumentException("sbs.instances[" + id + "].role must be prefill or decode");
            }
            kvCapacityTokens = kvCapacityTokens <= 0 ? Long.MAX_VALUE : kvCapacityTokens;
            bootstrapPort = bootstrapPort <= 0 ? 8998 : bootstrapPort;
            if (cacheBlockTokens < 0) {
                throw new IllegalArgumentException("sbs.instances[" + id + "].cache-block-tokens must not be negative");
            }
            cacheBlockTokens = cacheBlockTokens == 0 ? PrefixBlocks.DEFAULT_BLOCK_TOKENS : cacheBlockTokens;
        }

        /** An instance hashed in blocks of the default size. */
        public Instance(String id, String url, String kind, @Nullable String role, int dpUnits, int chunkTokens,
                long kvCapacityTokens, int bootstrapPort) {
            this(id, url, kind, role, dpUnits, chunkTokens, kvCapacityTokens, bootstrapPort, 0);
        }
    }

    /**
     * @param profile engine profile of the simulated cluster (default {@code divided}: 3 instances of DP8)
     * @param demoQps a demo load of this many requests per second, 0 for none
     * @param endForward whether the simulated engines push EndForward after every pass; off by default, as
     *                   stock SGLang and vLLM push nothing
     */
    public record Embedded(@Nullable String profile, double demoQps, boolean endForward) {

        public Embedded {
            profile = profile == null ? "divided" : profile;
        }
    }

    /**
     * The policy preview ({@code sbs.preview.*}).
     *
     * @param window         how far back accepted requests are recorded for replay
     * @param maxRequests    cap on recorded requests (24 bytes each); the oldest go first beyond it
     * @param maxBlockHashes cap on recorded prefix block hashes (8 bytes each); 0 records none
     * @param profile        engine profile whose timing the simulated instances use; by default the embedded
     *                       default's ({@code sbs.embedded.profile})
     * @param traces         directory of named traces ({@code .csv} Azure, {@code .jsonl} Mooncake) a preview
     *                       may replay instead; a missing directory offers none
     * @param threads        simulations run at once (2: the current and the proposed policy together)
     * @param giveUp         a simulated policy that makes a request wait this long is reported saturated; by
     *                       default {@code max-queue-time} plus the longest replayed prompt's time alone
     * @param budget         wall-clock time a preview may take; one that runs longer stops and is answered
     *                       422 (too large), so no ask holds the preview's threads for long (default 30 s)
     */
    public record Preview(@Nullable Duration window, int maxRequests, @Nullable Integer maxBlockHashes,
            @Nullable String profile, @Nullable Path traces, int threads, @Nullable Duration giveUp,
            @Nullable Duration budget) {

        public Preview {
            window = window == null ? Duration.ofMinutes(10) : window;
            maxRequests = maxRequests <= 0 ? 1_000_000 : maxRequests;
            maxBlockHashes = maxBlockHashes == null || maxBlockHashes < 0 ? 4_194_304 : maxBlockHashes;
            traces = traces == null ? Path.of("../shared/traces") : traces;
            threads = threads <= 0 ? 2 : threads;
            budget = budget == null ? Duration.ofSeconds(30) : budget;
        }
    }

    /**
     * Shared state and leadership ({@code sbs.state.*}).
     *
     * @param store            {@code memory} (the embedded default: one node, always leader) or {@code redis}
     *                         (active-standby through the lease; connection from {@code spring.data.redis.*})
     * @param cluster          the cluster's name, the hash tag of its Redis keys
     * @param nodeId           this replica's identity, unique in the cluster; the host name by default
     * @param leaseTtl         lease TTL; with the three below, demotion + command timeout must stay under it
     * @param renewPeriod      how often the lease is renewed or tried
     * @param demotionDeadline a leader that has not renewed for this long stops acting as leader
     * @param commandTimeout   timeout of every lease and fenced command
     * @param waitReplicas     replicas that must acknowledge an accepted request before it counts as accepted
     *                         (Redis {@code WAIT}); 0 acknowledges on the master's write alone
     * @param waitTimeout      how long an acceptance waits for those replicas
     * @param policySync       how often every node reads the stored policy, so a standby runs the current one
     * @param decisionTimeout  how long an accepted request waits for a leader's decision before it is answered
     *                         with 503; it must cover a takeover (lease TTL plus a renewal)
     * @param degradedGrace    how long the store may fail to answer before each node decides its requests
     *                         alone (degraded mode, {@link io.sbs.control.DegradedMode}); 0 turns it off, and
     *                         requests then wait for a leader up to {@code decisionTimeout}
     */
    public record State(@Nullable String store, @Nullable String cluster, @Nullable String nodeId,
            @Nullable Duration leaseTtl, @Nullable Duration renewPeriod, @Nullable Duration demotionDeadline,
            @Nullable Duration commandTimeout, int waitReplicas, @Nullable Duration waitTimeout,
            @Nullable Duration policySync, @Nullable Duration decisionTimeout, @Nullable Duration degradedGrace) {

        public State {
            store = store == null ? "memory" : store;
            if (!store.equals("memory") && !store.equals("redis")) {
                throw new IllegalArgumentException("sbs.state.store must be memory or redis, was " + store);
            }
            cluster = cluster == null ? "sbs" : cluster;
            nodeId = nodeId == null || nodeId.isBlank() ? defaultNodeId() : nodeId;
            leaseTtl = leaseTtl == null ? LeaseTimings.DEFAULTS.ttl() : leaseTtl;
            renewPeriod = renewPeriod == null ? LeaseTimings.DEFAULTS.renewPeriod() : renewPeriod;
            demotionDeadline = demotionDeadline == null ? LeaseTimings.DEFAULTS.demotionDeadline() : demotionDeadline;
            commandTimeout = commandTimeout == null ? LeaseTimings.DEFAULTS.commandTimeout() : commandTimeout;
            if (waitReplicas < 0) {
                throw new IllegalArgumentException("sbs.state.wait-replicas must not be negative");
            }
            waitTimeout = waitTimeout == null ? Duration.ofMillis(200) : waitTimeout;
            policySync = policySync == null ? Duration.ofSeconds(1) : policySync;
            decisionTimeout = decisionTimeout == null ? Duration.ofSeconds(10) : decisionTimeout;
            // shorter than the longest pause in answers the Sentinel drill allows (1 s), with room for a cycle
            degradedGrace = degradedGrace == null ? Duration.ofMillis(500) : degradedGrace;
            if (degradedGrace.isNegative()) {
                throw new IllegalArgumentException("sbs.state.degraded-grace must not be negative (0 turns degraded "
                        + "mode off)");
            }
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
