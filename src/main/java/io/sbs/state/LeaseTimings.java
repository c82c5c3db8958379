package io.sbs.state;

import java.time.Duration;

/**
 * The leader lease's clocks. A leader renews every {@code renewPeriod}; if it has not renewed for
 * {@code demotionDeadline} it stops acting as leader on its own, and since any command it sent may still
 * take {@code commandTimeout} to land, {@code demotionDeadline + commandTimeout < ttl} guarantees it has
 * stopped before the lease can pass to another node. Deadlines are measured on the monotonic clock.
 */
public record LeaseTimings(Duration ttl, Duration renewPeriod, Duration demotionDeadline, Duration commandTimeout) {

    /**
     * TTL 2.5 s, renew 0.5 s, demotion 1.5 s, command timeout 0.5 s: a takeover then completes 2 to 2.5 s
     * after the leader's death (its last renewal to the lease's expiry; the standby tries at the expiry),
     * within the 3 s the failover drill asks of the p99, with a renewal tick to spare before demotion.
     */
    public static final LeaseTimings DEFAULTS = new LeaseTimings(Duration.ofMillis(2500), Duration.ofMillis(500),
            Duration.ofMillis(1500), Duration.ofMillis(500));

    public LeaseTimings {
        if (renewPeriod.isNegative() || renewPeriod.isZero() || commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("renew period and command timeout must be positive");
        }
        if (demotionDeadline.compareTo(renewPeriod) <= 0) {
            throw new IllegalArgumentException("the demotion deadline (" + demotionDeadline
                    + ") must exceed the renew period (" + renewPeriod + "), or one slow renewal demotes the leader");
        }
        if (demotionDeadline.plus(commandTimeout).compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("demotion deadline + command timeout (" + demotionDeadline.plus(commandTimeout)
                    + ") must be shorter than the lease TTL (" + ttl + "), or two nodes may act as leader at once");
        }
    }
}
