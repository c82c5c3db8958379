package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LeaseTimingsTest {

    @Test
    void defaults_leaveAMarginBeforeTheTtl() {
        LeaseTimings t = LeaseTimings.DEFAULTS;
        assertThat(t.demotionDeadline().plus(t.commandTimeout())).isLessThan(t.ttl());
    }

    @Test
    void demotionPlusTimeoutReachingTheTtl_isRefused() {
        assertThatThrownBy(() -> new LeaseTimings(Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofMillis(2_500),
                Duration.ofMillis(500))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two nodes may act as leader at once");
    }

    @Test
    void demotionWithinOneRenewPeriod_isRefused() {
        assertThatThrownBy(() -> new LeaseTimings(Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofMillis(400),
                Duration.ofMillis(100))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must exceed the renew period");
    }
}
