package io.sbs.web;

import io.sbs.bench.io.ProfileLoader;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.engine.EngineClient;
import io.sbs.engine.HttpEngineClient;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.sim.EngineProfile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The engines the dispatcher talks to: the configured ones, or, when none are configured, the embedded
 * default: one engine simulator server per prefill instance of a profile, started in process on free
 * ports and reached over real HTTP like any engine; their EndForward reports come straight in.
 */
public final class EngineCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EngineCluster.class);

    /** One instance as the cluster state registers it. */
    public record Member(String id, int dpUnits, int chunkTokens, EngineClient client) {
    }

    private final List<Member> members = new ArrayList<>();
    private final List<EngineSimServer> embedded = new ArrayList<>();
    private final AtomicReference<Consumer<ForwardEndedEvent>> endForward = new AtomicReference<>(e -> { });

    EngineCluster(SbsProperties properties, WebClient.Builder web) {
        if (properties.instances().isEmpty()) {
            EngineProfile profile = ProfileLoader.load(properties.embedded().profile());
            EngineProfile.Prefill shape = profile.prefill();
            for (int i = 0; i < shape.instances(); i++) {
                String id = "prefill-" + i;
                EngineSimServer server = new EngineSimServer(id, profile, 0, i + 1, report -> endForward.get().accept(
                        new ForwardEndedEvent(report.instanceId(), Long.MIN_VALUE, report.durationNanos(),
                                report.passTokens(), report.receivedTokens(), report.nextPassTokens(),
                                report.backlogTokens())));
                embedded.add(server);
                members.add(new Member(id, shape.dpUnits(), shape.unitChunkTokens(), HttpEngineClient.sglang(id,
                        "http://127.0.0.1:" + server.port(), web.clone(), properties.engineTimeout())));
            }
            log.info("embedded default: {} simulated prefill instances of {} DP units (profile {})", shape.instances(),
                    shape.dpUnits(), profile.name());
        } else {
            for (SbsProperties.Instance i : properties.instances()) {
                EngineClient client = switch (i.kind()) {
                    case "sglang" -> HttpEngineClient.sglang(i.id(), i.url(), web.clone(), properties.engineTimeout());
                    case "vllm" -> HttpEngineClient.vllm(i.id(), i.url(), web.clone(), properties.engineTimeout());
                    default -> throw new IllegalArgumentException("sbs.instances[" + i.id() + "].kind must be sglang or vllm");
                };
                members.add(new Member(i.id(), i.dpUnits(), i.chunkTokens(), client));
            }
        }
    }

    public List<Member> members() {
        return members;
    }

    public Map<String, EngineClient> clients() {
        Map<String, EngineClient> out = new LinkedHashMap<>();
        members.forEach(m -> out.put(m.id(), m.client()));
        return out;
    }

    /** Where the embedded engines' EndForward reports go (their end time is stamped by the receiver). */
    void onEndForward(Consumer<ForwardEndedEvent> sink) {
        endForward.set(sink);
    }

    @Override
    public void close() {
        embedded.forEach(EngineSimServer::close);
    }
}
