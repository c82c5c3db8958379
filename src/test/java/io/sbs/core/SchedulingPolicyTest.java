package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SchedulingPolicyTest {

    private static final List<String> FIELDS = List.of("name", "defaultInterval", "minInterval", "maxInterval",
            "pinnedInterval", "windowSamples", "watchdogFactor", "suspectAfterFires", "overloadCycles", "iqrKappa",
            "dispatchGuardFraction", "dispatchGuardSigmas", "cacheBlockTokens", "cacheImbalanceGuard",
            "cacheMatchThreshold", "balanceAbsThreshold", "balanceRelThreshold");

    static List<String> names() {
        return PolicyRegistry.standard().names();
    }

    @ParameterizedTest
    @MethodSource("names")
    void defaults_everyRegisteredName_isValid(String name) {
        SchedulingPolicy p = SchedulingPolicy.defaults(name);
        assertThat(p.name()).isEqualTo(name);
        assertThat(p.toBuilder().build()).isEqualTo(p);
    }

    @Test
    void defaults_areThePapersAndTheSpecs() {
        SchedulingPolicy p = SchedulingPolicy.defaults(PolicyRegistry.SBS);
        assertThat(p.windowSamples()).isEqualTo(32);
        assertThat(p.watchdogFactor()).isEqualTo(3.0);
        assertThat(p.overloadCycles()).isEqualTo(8);
        assertThat(p.iqrKappa()).isEqualTo(1.5);
        assertThat(p.pinnedInterval()).isZero();
        assertThat(p.minInterval()).isLessThanOrEqualTo(p.defaultInterval());
        assertThat(p.defaultInterval()).isLessThanOrEqualTo(p.maxInterval());
        assertThat(SchedulingPolicy.builder().build().name()).isEqualTo(PolicyRegistry.SBS);
    }

    private static Arguments invalid(String field, String description, UnaryOperator<SchedulingPolicy.Builder> change) {
        return Arguments.of(field, Named.of(description, change));
    }

    static Stream<Arguments> invalidFields() {
        return Stream.of(
                invalid("name", "unknown name", b -> b.name("fifo")),
                invalid("defaultInterval", "zero", b -> b.defaultInterval(Duration.ZERO)),
                invalid("defaultInterval", "null", b -> b.defaultInterval(null)),
                invalid("minInterval", "negative", b -> b.minInterval(Duration.ofMillis(-1))),
                invalid("minInterval", "above max", b -> b.minInterval(Duration.ofSeconds(3))),
                invalid("maxInterval", "null", b -> b.maxInterval(null)),
                invalid("maxInterval", "over a minute", b -> b.maxInterval(Duration.ofSeconds(61))),
                invalid("pinnedInterval", "negative", b -> b.pinnedInterval(Duration.ofMillis(-1))),
                invalid("pinnedInterval", "null", b -> b.pinnedInterval(null)),
                invalid("windowSamples", "zero", b -> b.windowSamples(0)),
                invalid("windowSamples", "10001", b -> b.windowSamples(10_001)),
                invalid("watchdogFactor", "below 1", b -> b.watchdogFactor(0.99)),
                invalid("watchdogFactor", "NaN", b -> b.watchdogFactor(Double.NaN)),
                invalid("watchdogFactor", "infinite", b -> b.watchdogFactor(Double.POSITIVE_INFINITY)),
                invalid("suspectAfterFires", "zero", b -> b.suspectAfterFires(0)),
                invalid("overloadCycles", "zero", b -> b.overloadCycles(0)),
                invalid("iqrKappa", "negative", b -> b.iqrKappa(-0.1)),
                invalid("iqrKappa", "over 100", b -> b.iqrKappa(100.5)),
                invalid("dispatchGuardFraction", "over 1", b -> b.dispatchGuardFraction(1.01)),
                invalid("dispatchGuardSigmas", "negative", b -> b.dispatchGuardSigmas(-1)),
                invalid("cacheBlockTokens", "zero", b -> b.cacheBlockTokens(0)),
                invalid("cacheImbalanceGuard", "over 1", b -> b.cacheImbalanceGuard(1.5)),
                invalid("cacheMatchThreshold", "NaN", b -> b.cacheMatchThreshold(Double.NaN)),
                invalid("balanceAbsThreshold", "negative", b -> b.balanceAbsThreshold(-1)),
                invalid("balanceRelThreshold", "below 1", b -> b.balanceRelThreshold(0.5)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("invalidFields")
    void build_oneInvalidField_isReportedUnderItsNameAlone(String field, UnaryOperator<SchedulingPolicy.Builder> change) {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class,
                () -> change.apply(SchedulingPolicy.builder()).build());
        assertThat(e).as("no exception").isNotNull();
        assertThat(e.fieldErrors()).containsOnlyKeys(field);
        assertThat(e.fieldErrors().get(field)).isNotBlank();
        assertThat(e).hasMessageContaining(field);
    }

    private static Arguments valid(String description, UnaryOperator<SchedulingPolicy.Builder> change) {
        return Arguments.of(Named.of(description, change));
    }

    static Stream<Arguments> boundaryValues() {
        return Stream.of(
                valid("interval clamps equal", b -> b.minInterval(Duration.ofMillis(5)).maxInterval(Duration.ofMillis(5))),
                valid("max 60 s", b -> b.maxInterval(Duration.ofSeconds(60))),
                valid("pin above max", b -> b.pinnedInterval(Duration.ofSeconds(5))),
                valid("default outside clamps", b -> b.defaultInterval(Duration.ofSeconds(30))),
                valid("window 1, overload cycles 1000000", b -> b.windowSamples(1).overloadCycles(1_000_000)),
                valid("watchdog factor 1, suspect after 1000", b -> b.watchdogFactor(1).suspectAfterFires(1_000)),
                valid("κ 0, guards 0", b -> b.iqrKappa(0).dispatchGuardFraction(0).dispatchGuardSigmas(0)
                        .cacheImbalanceGuard(0).cacheMatchThreshold(0)),
                valid("upper bounds", b -> b.iqrKappa(100).dispatchGuardFraction(1).dispatchGuardSigmas(10)
                        .cacheImbalanceGuard(1).cacheMatchThreshold(1).balanceAbsThreshold(1_000_000)
                        .balanceRelThreshold(1_000).cacheBlockTokens(1 << 20).windowSamples(10_000)));
    }

    @ParameterizedTest
    @MethodSource("boundaryValues")
    void build_boundaryValues_areAccepted(UnaryOperator<SchedulingPolicy.Builder> change) {
        SchedulingPolicy p = change.apply(SchedulingPolicy.builder()).build();
        assertThat(p.toBuilder().build()).isEqualTo(p);
    }

    @Test
    void build_severalInvalidFields_reportsEachOne() {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class, () -> SchedulingPolicy.builder()
                .name("nope").windowSamples(0).iqrKappa(-1).minInterval(Duration.ofSeconds(3))
                .maxInterval(Duration.ofSeconds(2)).build());
        assertThat(e.fieldErrors()).containsOnlyKeys("name", "windowSamples", "iqrKappa", "minInterval");
        assertThat(e.fieldErrors().get("name")).contains("sbs", "round-robin");
    }

    @Test
    void build_everyFieldInvalid_reportsAllOfThemAtOnce() {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class, () -> SchedulingPolicy.builder()
                .name("nope").defaultInterval(Duration.ZERO).minInterval(Duration.ofMinutes(5))
                .maxInterval(Duration.ofMinutes(2)).pinnedInterval(Duration.ofSeconds(-1)).windowSamples(0)
                .watchdogFactor(0).suspectAfterFires(0).overloadCycles(0).iqrKappa(-1).dispatchGuardFraction(2)
                .dispatchGuardSigmas(11).cacheBlockTokens(0).cacheImbalanceGuard(-1).cacheMatchThreshold(2)
                .balanceAbsThreshold(-1).balanceRelThreshold(0).build());
        assertThat(e.fieldErrors()).containsOnlyKeys(FIELDS.toArray(String[]::new));
    }

    @Test
    void fieldErrors_isImmutable() {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class,
                () -> SchedulingPolicy.builder().windowSamples(0).build());
        assertThatThrownBy(() -> e.fieldErrors().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void build_nullName_isReportedAsAFieldError() {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class,
                () -> SchedulingPolicy.builder().name(null).build());
        assertThat(e).isNotNull();
        assertThat(e.fieldErrors()).containsOnlyKeys("name");
    }
}
