package io.sbs.web;

import io.sbs.cluster.EngineCluster;
import io.sbs.config.SbsProperties;
import io.sbs.control.ClusterShape;
import io.sbs.control.PolicyPreview;
import io.sbs.control.PolicyService;
import io.sbs.control.TrafficRecorder;
import io.sbs.core.Phase;
import io.sbs.core.ReadinessSource;
import io.sbs.formats.ProfileLoader;
import io.sbs.loop.DispatchLoop;
import io.sbs.sim.EngineProfile;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The policy preview ({@code sbs.preview.*}): a recorder of the traffic the loop accepts, and the preview
 * that replays it (or a named trace) through the simulator on the live cluster's shape.
 */
@Configuration(proxyBeanMethods = false)
class PreviewConfiguration {

    @Bean
    TrafficRecorder trafficRecorder(SbsProperties properties, DispatchLoop loop) {
        SbsProperties.Preview preview = properties.preview();
        TrafficRecorder recorder = new TrafficRecorder(preview.window(), preview.maxRequests(),
                preview.maxBlockHashes(), loop::now);
        loop.onSubmitted(recorder);
        return recorder;
    }

    @Bean(destroyMethod = "close")
    PolicyPreview policyPreview(SbsProperties properties, TrafficRecorder recorder, PolicyService policies,
            EngineCluster engines, DispatchLoop loop) {
        SbsProperties.Preview preview = properties.preview();
        // loaded at start, so a bad profile stops the start rather than the first preview
        EngineProfile profile = ProfileLoader.load(preview.profile() != null ? preview.profile()
                : properties.embedded().profile());
        PolicyPreview.Settings settings = new PolicyPreview.Settings(preview.threads(), properties.pollInterval(),
                properties.maxQueueTime(), preview.giveUp(), preview.maxRequests(),
                PolicyPreview.Settings.DEFAULTS.maxSpan(), preview.budget());
        return new PolicyPreview(recorder, new TraceDirectory(preview.traces()), policies::current,
                () -> shape(engines, loop), profile, settings);
    }

    /** Read at every preview, so it follows the registered instances and the signals they give. */
    private static ClusterShape shape(EngineCluster engines, DispatchLoop loop) {
        boolean pushes = loop.snapshot().instances().stream()
                .anyMatch(i -> i.phase() == Phase.PREFILL && i.readiness(ReadinessSource.PUSH) > 0);
        return new ClusterShape(engines.members().stream()
                .filter(m -> m.phase() == Phase.PREFILL)
                .map(m -> new ClusterShape.PrefillInstance(m.id(), m.dpUnits(), m.chunkTokens()))
                .toList(), pushes);
    }
}
