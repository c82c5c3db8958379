package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.SchedulingPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyFieldsTest {

    private static final SchedulingPolicy DEFAULTS = SchedulingPolicy.defaults("sbs");

    @Test
    void parse_valuesOfAPolicy_giveThatPolicyBack() {
        SchedulingPolicy custom = DEFAULTS.toBuilder().name("round-robin").pinnedInterval(Duration.ofNanos(12_500_000))
                .iqrKappa(2.25).windowSamples(64).build();
        for (SchedulingPolicy p : new SchedulingPolicy[] {DEFAULTS, custom}) {
            PolicyFields.Parsed parsed = PolicyFields.parse(PolicyFields.values(p), DEFAULTS);
            assertThat(parsed.errors()).isEmpty();
            assertThat(parsed.policy()).isEqualTo(p);
        }
        assertThat(PolicyFields.values(custom)).containsEntry("pinnedInterval", "12.5").containsEntry("iqrKappa", "2.25");
    }

    @Test
    void parse_missingFields_keepTheBasePolicysValues() {
        PolicyFields.Parsed parsed = PolicyFields.parse(Map.of("iqrKappa", " 3 "), DEFAULTS);
        assertThat(parsed.policy()).isEqualTo(DEFAULTS.toBuilder().iqrKappa(3).build());
    }

    @Test
    void parse_unreadableNumbers_nameEachFieldAndKeepWhatWasTyped() {
        Map<String, String> form = new LinkedHashMap<>(PolicyFields.values(DEFAULTS));
        form.put("windowSamples", "many");
        form.put("minInterval", "1,5");
        form.put("watchdogFactor", "NaN");
        PolicyFields.Parsed parsed = PolicyFields.parse(form, DEFAULTS);
        assertThat(parsed.policy()).isNull();
        assertThat(parsed.errors()).containsOnly(
                Map.entry("windowSamples", "must be a whole number"),
                Map.entry("minInterval", "must be a number of milliseconds"),
                Map.entry("watchdogFactor", "must be a number"));
        assertThat(parsed.values()).containsEntry("windowSamples", "many").containsEntry("minInterval", "1,5");
    }

    @Test
    void parse_valuesThePolicyRefuses_reportThePolicysOwnErrors() {
        Map<String, String> form = new LinkedHashMap<>(PolicyFields.values(DEFAULTS));
        form.put("iqrKappa", "-1");
        form.put("minInterval", "3000");
        form.put("name", "fastest");
        form.put("windowSamples", "x");
        PolicyFields.Parsed parsed = PolicyFields.parse(form, DEFAULTS);
        assertThat(parsed.policy()).isNull();
        assertThat(parsed.errors()).containsOnlyKeys("iqrKappa", "minInterval", "name", "windowSamples");
        assertThat(parsed.errors().get("iqrKappa")).isEqualTo("must be between 0.0 and 100.0, was -1.0");
        assertThat(parsed.errors().get("minInterval")).isEqualTo("must not exceed maxInterval");
        assertThat(parsed.errors().get("name")).startsWith("unknown policy 'fastest'");
        // the parse error wins over what the policy says about the placeholder it validated instead
        assertThat(parsed.errors().get("windowSamples")).isEqualTo("must be a whole number");
    }

    @Test
    void changes_betweenTwoVersions_listOnlyTheChangedSettingsWithUnits() {
        SchedulingPolicy next = DEFAULTS.toBuilder().pinnedInterval(Duration.ofMillis(20)).iqrKappa(2.5).build();
        assertThat(PolicyFields.changes(DEFAULTS, next)).containsExactly(
                new PolicyFields.Change("pinnedInterval", "Pinned Δ", "0 ms", "20 ms"),
                new PolicyFields.Change("iqrKappa", "IQR κ", "1.5", "2.5"));
        assertThat(PolicyFields.changes(next, next)).isEmpty();
    }

    @Test
    void fields_carryErrorsToTheirField_andMarkTheStrategyAsAChoice() {
        var fields = PolicyFields.fields(PolicyFields.values(DEFAULTS), Map.of("iqrKappa", "bad"));
        assertThat(fields).extracting(PolicyFields.Field::name).containsExactlyElementsOf(PolicyFields.names());
        assertThat(fields).filteredOn(f -> f.error() != null).extracting(PolicyFields.Field::name).containsExactly("iqrKappa");
        assertThat(fields).filteredOn(PolicyFields.Field::choice).extracting(PolicyFields.Field::name).containsExactly("name");
    }
}
