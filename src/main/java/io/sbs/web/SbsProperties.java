package io.sbs.web;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The dispatcher's settings ({@code sbs.*}).
 *
 * @param policy            registry name of the dispatch strategy at start ({@code sbs}, {@code round-robin}, ...)
 * @param maxPromptTokens   longer prompts are refused with 400
 * @param engineTimeout     per-call (and per-token while streaming) timeout towards engines
 * @param pollInterval      quiescence polling period per instance
 * @param engineToken       bearer token engines present on the EndForward push; from the environment
 *                          ({@code SBS_ENGINE_TOKEN}), never logged
 * @param instances         engines to dispatch to; when empty, the embedded simulated cluster starts
 * @param embedded          the embedded default's simulated cluster
 */
@Validated
@ConfigurationProperties(prefix = SbsProperties.PREFIX)
public record SbsProperties(String policy, int maxPromptTokens, Duration engineTimeout, Duration pollInterval,
        @Nullable String engineToken, List<Instance> instances, Embedded embedded) {

    public static final String PREFIX = "sbs";

    public SbsProperties {
        policy = policy == null ? "sbs" : policy;
        maxPromptTokens = maxPromptTokens <= 0 ? 65_536 : maxPromptTokens;
        engineTimeout = engineTimeout == null ? Duration.ofSeconds(60) : engineTimeout;
        pollInterval = pollInterval == null ? Duration.ofMillis(200) : pollInterval;
        instances = instances == null ? List.of() : List.copyOf(instances);
        embedded = embedded == null ? new Embedded(null, 0) : embedded;
    }

    /**
     * One engine instance.
     *
     * @param kind       {@code sglang} or {@code vllm}
     * @param dpUnits    DP ranks of the instance
     * @param chunkTokens new prompt tokens per rank per pass ({@code C_max})
     */
    public record Instance(String id, String url, String kind, int dpUnits, int chunkTokens) {
    }

    /**
     * @param profile engine profile of the simulated cluster (default {@code divided}: 3 instances of DP8)
     * @param demoQps a demo load of this many requests per second, 0 for none
     */
    public record Embedded(@Nullable String profile, double demoQps) {

        public Embedded {
            profile = profile == null ? "divided" : profile;
        }
    }
}
