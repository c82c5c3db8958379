package io.sbs.web;

import io.sbs.state.Leadership;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code leadership} in {@code /actuator/health}: this node's id, whether it leads, the epoch and the
 * leader. Always up: a standby is healthy and serves; the details are what operators and the chaos
 * drills read to see a takeover.
 */
final class LeadershipHealthIndicator implements HealthIndicator {

    private final Leadership leadership;

    LeadershipHealthIndicator(Leadership leadership) {
        this.leadership = leadership;
    }

    @Override
    public Health health() {
        Leadership.Status s = leadership.status();
        return Health.up().withDetail("nodeId", s.nodeId()).withDetail("leader", s.leader())
                .withDetail("epoch", s.epoch()).withDetail("leaderId", s.leaderId() == null ? "" : s.leaderId())
                .build();
    }
}
