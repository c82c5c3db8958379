package io.sbs.web;

import io.sbs.cluster.EngineCluster;
import io.sbs.core.Phase;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Health of the engines behind the dispatcher ({@code engines} in {@code /actuator/health}, and part of
 * the readiness group): every instance's {@code GET /health}, in parallel, each with a short timeout. Up
 * while at least one prefill instance, and one decode instance when any is declared, answers: the
 * dispatcher can serve then, with fewer instances; down otherwise, so a load balancer stops sending it
 * traffic it could only fail.
 */
final class EnginesHealthIndicator implements ReactiveHealthIndicator {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final EngineCluster engines;

    EnginesHealthIndicator(EngineCluster engines) {
        this.engines = engines;
    }

    @Override
    public Mono<Health> health() {
        return Flux.fromIterable(engines.members())
                .flatMap(m -> m.client().health().timeout(TIMEOUT).thenReturn(Map.entry(m, "UP"))
                        .onErrorResume(e -> Mono.just(Map.entry(m, "DOWN: " + e.getClass().getSimpleName()))))
                .collectList()
                .map(results -> {
                    Map<String, String> details = new TreeMap<>();
                    boolean prefillUp = false;
                    boolean decodeUp = false;
                    boolean decodeDeclared = false;
                    for (Map.Entry<EngineCluster.Member, String> r : results) {
                        boolean up = r.getValue().equals("UP");
                        details.put(r.getKey().id(), r.getValue());
                        if (r.getKey().phase() == Phase.PREFILL) {
                            prefillUp |= up;
                        } else {
                            decodeDeclared = true;
                            decodeUp |= up;
                        }
                    }
                    Health.Builder health = prefillUp && (decodeUp || !decodeDeclared) ? Health.up() : Health.down();
                    return health.withDetails(details).build();
                });
    }
}
