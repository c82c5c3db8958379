package io.sbs.web;

import io.sbs.bench.io.ProfileLoader;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.engine.EngineClient;
import io.sbs.engine.HttpEngineClient;
import io.sbs.core.Phase;
import io.sbs.enginesim.DecodeSimServer;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.sim.EngineProfile;
import java.net.URI;
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
 * default: one engine simulator server per prefill and per decode instance of a profile, started in
 * process on free ports and reached over real HTTP like any engine; the prefill servers' EndForward
 * reports come straight in.
 */
public final class EngineCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EngineCluster.class);

    /**
     * One instance as the cluster state registers it.
     *
     * @param bootstrapHost where decode servers fetch this prefill instance's KV (P/D); its URL's host
     */
    public record Member(String id, Phase phase, int dpUnits, int chunkTokens, long kvCapacityTokens,
            String bootstrapHost, int bootstrapPort, EngineClient client) {
    }

    private final List<Member> members = new ArrayList<>();
    private final List<AutoCloseable> embedded = new ArrayList<>();
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
                members.add(new Member(id, Phase.PREFILL, shape.dpUnits(), shape.unitChunkTokens(), 0, "127.0.0.1",
                        server.port(), HttpEngineClient.sglang(id, "http://127.0.0.1:" + server.port(), web.clone(),
                        properties.engineTimeout())));
            }
            EngineProfile.Decode decode = profile.decode();
            for (int i = 0; i < decode.instances(); i++) {
                String id = "decode-" + i;
                DecodeSimServer server = new DecodeSimServer(id, profile, 0);
                embedded.add(server);
                members.add(new Member(id, Phase.DECODE, decode.dpUnits(), 0, decode.kvCapacityTokens(), "127.0.0.1", 0,
                        HttpEngineClient.sglang(id, "http://127.0.0.1:" + server.port(), web.clone(),
                                properties.engineTimeout())));
            }
            log.info("embedded default (profile {}): {} simulated prefill instances of {} DP units, {} decode instances "
                    + "of {} DP units", profile.name(), shape.instances(), shape.dpUnits(), decode.instances(),
                    decode.dpUnits());
        } else {
            for (SbsProperties.Instance i : properties.instances()) {
                EngineClient client = switch (i.kind()) {
                    case "sglang" -> HttpEngineClient.sglang(i.id(), i.url(), web.clone(), properties.engineTimeout());
                    case "vllm" -> HttpEngineClient.vllm(i.id(), i.url(), web.clone(), properties.engineTimeout());
                    default -> throw new IllegalArgumentException("sbs.instances[" + i.id() + "].kind must be sglang or vllm");
                };
                Phase phase = i.role().equals("decode") ? Phase.DECODE : Phase.PREFILL;
                members.add(new Member(i.id(), phase, i.dpUnits(), i.chunkTokens(), i.kvCapacityTokens(),
                        URI.create(i.url()).getHost(), i.bootstrapPort(), client));
            }
        }
    }

    public List<Member> members() {
        return members;
    }

    /** The member named {@code id}. */
    public Member member(String id) {
        for (Member m : members) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown instance: " + id);
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
        for (AutoCloseable server : embedded) {
            try {
                server.close();
            } catch (Exception e) {
                log.warn("stopping an embedded engine failed: {}", e.toString());
            }
        }
    }
}
