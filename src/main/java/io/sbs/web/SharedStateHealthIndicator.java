package io.sbs.web;

import io.sbs.control.DegradedMode;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code sharedState} in {@code /actuator/health} and its readiness group: whether this node decides its
 * requests alone because the shared store is unreachable ({@code degraded}), and since when. Up either way:
 * a degraded node still serves, so it must stay in its Service; the details tell operators it does so
 * without the others (Redis's own indicator, outside the readiness group, says the store is down).
 */
final class SharedStateHealthIndicator implements HealthIndicator {

    private final DegradedMode mode;

    SharedStateHealthIndicator(DegradedMode mode) {
        this.mode = mode;
    }

    @Override
    public Health health() {
        return Health.up().withDetail("degraded", mode.degraded()).withDetail("state", mode.state().name())
                .withDetail("degradedSeconds", Math.round(mode.degradedSeconds() * 1000) / 1000.0)
                .withDetail("episodes", mode.episodes()).build();
    }
}
