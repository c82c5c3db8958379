package io.sbs.web;

import io.micrometer.core.instrument.MeterRegistry;
import io.sbs.cluster.EmbeddedEngines;
import io.sbs.cluster.EngineCluster;
import io.sbs.config.SbsProperties;
import io.sbs.core.ClusterState;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.Phase;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.engine.PromptTokens;
import io.sbs.loop.DispatchLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.core.Disposable;

/** Builds the dispatcher: engines, cluster state, the dispatch loop, metrics, prompt measuring and quiescence polling. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SbsProperties.class)
class DispatcherConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DispatcherConfiguration.class);

    @Bean(destroyMethod = "close")
    EngineCluster engineCluster(SbsProperties properties, ObjectProvider<EmbeddedEngines> embeddedEngines) {
        if (properties.engineToken() == null && !properties.instances().isEmpty()) {
            if (properties.enginePush().allowAnonymous()) {
                log.warn("sbs.engine-token is not set and sbs.engine-push.allow-anonymous=true: POST "
                        + "/internal/v1/end-forward accepts pushes from anyone who can reach it; set SBS_ENGINE_TOKEN "
                        + "in production");
            } else {
                log.warn("sbs.engine-token is not set: POST /internal/v1/end-forward refuses every push, so SBS runs on "
                        + "load polling and its watchdog; set SBS_ENGINE_TOKEN for the engines' pushes");
            }
        }
        return new EngineCluster(properties, embeddedEngines.getIfAvailable());
    }

    @Bean(destroyMethod = "close")
    DispatchLoop dispatchLoop(SbsProperties properties, EngineCluster engines) {
        PolicyRegistry registry = PolicyRegistry.standard();
        if (!registry.contains(properties.policy())) {
            throw new IllegalArgumentException("sbs.policy '" + properties.policy() + "' is not one of " + registry.names());
        }
        // the policies convert cached blocks to tokens at the size the ingress hashes in
        ClusterState cluster = new ClusterState(SchedulingPolicy.defaults(properties.policy()).toBuilder()
                .cacheBlockTokens(engines.cacheBlockTokens()).build());
        for (EngineCluster.Member m : engines.members()) {
            cluster.addInstance(m.id(), m.phase(), m.dpUnits(), m.phase() == Phase.PREFILL ? m.chunkTokens() : 1,
                    m.phase() == Phase.DECODE ? m.kvCapacityTokens() : Long.MAX_VALUE, m.cacheBlocks());
        }
        if (cacheAware(properties.policy())) {
            // a configured tokenizer counts prompt lengths only: the blocks come from token ids or characters
            log.warn("policy {} places by prefix cache; requests without token ids ('prompt' as token ids, "
                    + "'input_ids'), every chat request among them, are hashed by the character fallback ({} "
                    + "characters per token, blocks of {} tokens): see docs/operations.md, \"Prefix caching\"",
                    properties.policy(), PromptTokens.CHARS_PER_TOKEN, engines.cacheBlockTokens());
        }
        DispatchLoop loop = new DispatchLoop(cluster, registry, properties.maxBuffered(),
                properties.maxQueueTime().toNanos(), System::nanoTime);
        engines.onEndForward(e -> loop.onForwardEnded(new ForwardEndedEvent(e.instanceId(), loop.now(),
                e.durationNanos(), e.passTokens(), e.receivedTokens(), e.nextPassTokens(), e.backlogTokens())));
        return loop;
    }

    /** Whether the named policy places by prefix cache: {@code cache-aware}, {@code sbs-cache}, any {@code *-cache}. */
    static boolean cacheAware(String policy) {
        return policy.equals(PolicyRegistry.CACHE_AWARE) || policy.endsWith("-cache");
    }

    /** {@code engines} in {@code /actuator/health} and the readiness group. */
    @Bean
    EnginesHealthIndicator enginesHealthIndicator(EngineCluster engines) {
        return new EnginesHealthIndicator(engines);
    }

    @Bean(destroyMethod = "close")
    DispatcherMetrics dispatcherMetrics(MeterRegistry registry, DispatchLoop loop) {
        return new DispatcherMetrics(registry, loop);
    }

    /** Prompt lengths: the configured tokenizers, loaded at start so a bad path stops the start. */
    @Bean(destroyMethod = "close")
    PromptTokens promptTokens(SbsProperties properties) {
        return new PromptTokens(properties.tokenizers(), properties.defaultTokenizer());
    }

    @Bean(destroyMethod = "close")
    // only for the embedded default: never send demo traffic to configured engines
    @org.springframework.boot.autoconfigure.condition.ConditionalOnExpression(
            "${sbs.embedded.demo-qps:" + SbsProperties.Embedded.DEFAULT_DEMO_QPS + "} > 0 and '${sbs.instances[0].id:}' == ''")
    DemoLoad demoLoad(SbsProperties properties, ReactorResourceFactory resources) {
        return new DemoLoad(properties.embedded().demoQps(), resources);
    }

    /** Polls every engine's load, and the load of engines registered later. */
    @Bean(destroyMethod = "dispose")
    Disposable loadPolling(SbsProperties properties, EngineCluster engines, DispatchLoop loop) {
        return engines.pollLoads(loop, properties.pollInterval());
    }
}
