package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class SchedulingPolicyTest {

    @Test
    void defaults_areValid() {
        SchedulingPolicy p = SchedulingPolicy.defaults(PolicyRegistry.SBS);
        assertThat(p.windowSamples()).isEqualTo(32);
        assertThat(p.watchdogFactor()).isEqualTo(3.0);
        assertThat(p.overloadCycles()).isEqualTo(8);
        assertThat(p.iqrKappa()).isEqualTo(1.5);
        assertThat(p.toBuilder().build()).isEqualTo(p);
    }

    @Test
    void build_severalInvalidFields_reportsEachOne() {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class, () -> SchedulingPolicy.builder()
                .name("nope").windowSamples(0).iqrKappa(-1).minInterval(Duration.ofSeconds(3))
                .maxInterval(Duration.ofSeconds(2)).build());
        assertThat(e.fieldErrors()).containsOnlyKeys("name", "windowSamples", "iqrKappa", "minInterval");
        assertThat(e.fieldErrors().get("name")).contains("sbs");
    }

    @Test
    void build_nanWatchdogFactor_isRejected() {
        assertThatThrownBy(() -> SchedulingPolicy.builder().watchdogFactor(Double.NaN).build())
                .isInstanceOf(InvalidPolicyException.class).hasMessageContaining("watchdogFactor");
    }

    static java.util.List<String> names() {
        return PolicyRegistry.standard().names();
    }

    @ParameterizedTest
    @MethodSource("names")
    void registry_everyName_buildsBothPhases(String name) {
        ClusterState c = Fixtures.prefillCluster(SchedulingPolicy.defaults(name), 1, 1, 100);
        assertThat(PolicyRegistry.standard().prefill(name, c, new SplittableRandom(1)).phase()).isEqualTo(Phase.PREFILL);
        assertThat(PolicyRegistry.standard().decode(name, c, new SplittableRandom(1)).phase()).isEqualTo(Phase.DECODE);
    }

    @Test
    void registry_unknownName_isRejectedWithTheKnownOnes() {
        assertThatThrownBy(() -> PolicyRegistry.standard().get("fifo")).hasMessageContaining("round-robin");
    }
}
