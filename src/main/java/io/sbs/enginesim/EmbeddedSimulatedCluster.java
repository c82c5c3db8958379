package io.sbs.enginesim;

import io.sbs.cluster.EmbeddedEngines;
import io.sbs.cluster.EngineCluster.Member;
import io.sbs.config.SbsProperties;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.Phase;
import io.sbs.engine.HttpEngineClient;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.EngineProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The dispatcher's embedded default cluster: one engine simulator server per prefill and per decode
 * instance of {@code sbs.embedded.profile}, started in process on free ports. A bean here, found by the
 * application's component scan, so that the product asks for an {@link EmbeddedEngines} and never names
 * the simulator.
 */
@Component
public final class EmbeddedSimulatedCluster implements EmbeddedEngines {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSimulatedCluster.class);

    @Override
    public Started start(SbsProperties properties, Consumer<ForwardEndedEvent> endForward) {
        List<Member> members = new ArrayList<>();
        List<AutoCloseable> servers = new ArrayList<>();
        EngineProfile profile = ProfileLoader.load(properties.embedded().profile());
        EngineProfile.Prefill shape = profile.prefill();
        for (int i = 0; i < shape.instances(); i++) {
            String id = "prefill-" + i;
            // like stock engines, they push nothing unless asked to (sbs.embedded.end-forward)
            EngineSimServer server = new EngineSimServer(id, profile, 0, i + 1, !properties.embedded().endForward()
                    ? report -> { }
                    : report -> endForward.accept(new ForwardEndedEvent(report.instanceId(), Long.MIN_VALUE,
                            report.durationNanos(), report.passTokens(), report.receivedTokens(),
                            report.nextPassTokens(), report.backlogTokens())));
            servers.add(server);
            // the view holds what the simulated ranks cache, nothing when they cache nothing
            members.add(new Member(id, Phase.PREFILL, shape.dpUnits(), shape.unitChunkTokens(), 0, "127.0.0.1",
                    server.port(), HttpEngineClient.sglang(id, "http://127.0.0.1:" + server.port(),
                    properties.engineTimeout()), shape.cacheBlockTokens(), shape.cacheBlocksPerUnit()));
        }
        EngineProfile.Decode decode = profile.decode();
        for (int i = 0; i < decode.instances(); i++) {
            String id = "decode-" + i;
            DecodeSimServer server = new DecodeSimServer(id, profile, 0);
            servers.add(server);
            members.add(new Member(id, Phase.DECODE, decode.dpUnits(), 0, decode.kvCapacityTokens(), "127.0.0.1", 0,
                    HttpEngineClient.sglang(id, "http://127.0.0.1:" + server.port(),
                            properties.engineTimeout()), shape.cacheBlockTokens(), 0));
        }
        log.info("embedded default (profile {}): {} simulated prefill instances of {} DP units, {} decode instances "
                + "of {} DP units", profile.name(), shape.instances(), shape.dpUnits(), decode.instances(),
                decode.dpUnits());
        return new Started(List.copyOf(members), List.copyOf(servers));
    }
}
