package io.sbs.admin;

import io.sbs.control.NotLeaderException;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.Leadership;
import io.sbs.web.EngineCluster;
import io.sbs.web.SbsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Mono;

/**
 * Instances joining, leaving and draining at run time, for the admin API and the dashboard. The engine's
 * client is registered before the dispatch loop learns of the instance and removed after the loop forgot
 * it, so no decision ever names an instance without a client. Only the leader changes the cluster
 * ({@link NotLeaderException} on a standby). Errors are problem-detail exceptions: 404 for an unknown id,
 * 409 for a taken id or the last instance of a phase.
 */
public final class InstanceService {

    private static final Logger log = LoggerFactory.getLogger(InstanceService.class);

    private final EngineCluster engines;
    private final DispatchLoop loop;
    private final Leadership leadership;

    public InstanceService(EngineCluster engines, DispatchLoop loop, Leadership leadership) {
        this.engines = engines;
        this.loop = loop;
        this.leadership = leadership;
    }

    public Mono<EngineCluster.Member> register(SbsProperties.Instance instance, String actor) {
        return Problems.unlessLeader(leadership).then(Mono.defer(() -> {
            EngineCluster.Member m;
            try {
                m = engines.add(instance);
            } catch (IllegalArgumentException e) {
                return Mono.error(Problems.of(HttpStatus.CONFLICT, e.getMessage()));
            }
            return loop.addInstance(m.id(), m.phase(), m.dpUnits(), m.chunkTokens(), m.kvCapacityTokens())
                    .onErrorResume(e -> {
                        engines.remove(m.id());
                        return Mono.error(Problems.of(HttpStatus.CONFLICT, e.getMessage()));
                    })
                    .doOnSuccess(v -> log.info("instance {} ({}, {} DP units, {}) registered by {}", m.id(), m.phase(),
                            m.dpUnits(), instance.url(), actor))
                    .thenReturn(m);
        }));
    }

    public Mono<Void> remove(String id, String actor) {
        return Problems.unlessLeader(leadership).then(known(id)).then(loop.removeInstance(id))
                .onErrorMap(IllegalArgumentException.class, e -> Problems.noSuchInstance(id))
                .onErrorMap(IllegalStateException.class, e -> Problems.of(HttpStatus.CONFLICT,
                        e.getMessage() + "; register another first"))
                .then(Mono.fromRunnable(() -> {
                    engines.remove(id);
                    log.info("instance {} removed by {}", id, actor);
                }));
    }

    public Mono<Void> drain(String id, boolean draining, String actor) {
        return Problems.unlessLeader(leadership).then(known(id)).then(loop.drain(id, draining))
                .onErrorMap(IllegalArgumentException.class, e -> Problems.noSuchInstance(id))
                .onErrorMap(IllegalStateException.class, e -> Problems.of(HttpStatus.CONFLICT,
                        e.getMessage() + "; register another or resume one first"))
                .doOnSuccess(v -> log.info("instance {} {} by {}", id, draining ? "draining" : "resumed", actor));
    }

    private Mono<Void> known(String id) {
        return Mono.defer(() -> engines.contains(id) ? Mono.empty() : Mono.error(Problems.noSuchInstance(id)));
    }
}
