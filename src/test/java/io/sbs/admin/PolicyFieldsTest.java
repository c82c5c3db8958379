package io.sbs.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.core.SchedulingPolicy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

class PolicyFieldsTest {

    private static Map<String, Object> errors(ErrorResponseException e) {
        @SuppressWarnings("unchecked")
        Map<String, Object> errors = (Map<String, Object>) e.getBody().getProperties().get("errors");
        return errors;
    }

    private static ErrorResponseException refusal(Runnable r) {
        try {
            r.run();
        } catch (ErrorResponseException e) {
            return e;
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void write_thenReplace_roundTrips_withDurationsAsIsoStrings() {
        SchedulingPolicy p = SchedulingPolicy.builder().name("round-robin").pinnedInterval(Duration.ofMillis(20))
                .windowSamples(64).iqrKappa(2.5).build();
        Map<String, Object> json = PolicyFields.write(p);
        assertThat(json).containsEntry("pinnedInterval", "PT0.02S").containsEntry("defaultInterval", "PT0.05S")
                .containsEntry("windowSamples", 64).containsEntry("iqrKappa", 2.5).hasSize(17);

        String body = tools.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(json);
        assertThat(PolicyFields.replacement(JsonFields.parse(body))).isEqualTo(p);
    }

    @Test
    void replacement_absentSettingsTakeTheirDefaults_butNameIsRequired() {
        assertThat(PolicyFields.replacement(JsonFields.parse("{\"name\":\"round-robin\"}")))
                .isEqualTo(SchedulingPolicy.defaults("round-robin"));
        ErrorResponseException e = refusal(() -> PolicyFields.replacement(JsonFields.parse("{\"iqrKappa\":1}")));
        assertThat(e.getStatusCode()).isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
        assertThat(errors(e)).containsOnlyKeys("name");
    }

    @Test
    void patch_setsPresentFields_resetsNullOnes_keepsAbsentOnes() {
        SchedulingPolicy current = SchedulingPolicy.builder().name("sbs").iqrKappa(3.0).windowSamples(10).build();
        SchedulingPolicy next = PolicyFields.patched(JsonFields.parse(
                "{\"pinnedInterval\":\"PT0.1S\",\"iqrKappa\":null}"), current);
        assertThat(next.pinnedInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(next.iqrKappa()).isEqualTo(1.5);
        assertThat(next.windowSamples()).isEqualTo(10);
        assertThat(next.name()).isEqualTo("sbs");
    }

    @Test
    void everyFaultIsNamed_inOne422() {
        ErrorResponseException e = refusal(() -> PolicyFields.patched(JsonFields.parse("{\"name\":7,"
                + "\"windowSamples\":1.5,\"watchdogFactor\":\"x\",\"minInterval\":\"50ms\",\"colour\":\"red\"}"),
                SchedulingPolicy.defaults("sbs")));
        assertThat(e.getStatusCode()).isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
        assertThat(errors(e)).containsOnlyKeys("name", "windowSamples", "watchdogFactor", "minInterval", "colour")
                .containsEntry("colour", "unknown field").containsEntry("windowSamples", "must be an integer");
    }

    @Test
    void outOfRangeValues_are422WithTheCoreValidationsReasons() {
        ErrorResponseException e = refusal(() -> PolicyFields.patched(JsonFields.parse(
                "{\"name\":\"fastest\",\"iqrKappa\":-1,\"minInterval\":\"PT3S\"}"), SchedulingPolicy.defaults("sbs")));
        assertThat(errors(e)).containsOnlyKeys("name", "iqrKappa", "minInterval");
        assertThat((String) errors(e).get("name")).contains("unknown policy 'fastest'");
    }

    @Test
    void notJsonIs400_andNotAnObjectIs422() {
        assertThat(refusal(() -> JsonFields.parse("{nope")).getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(refusal(() -> JsonFields.parse("")).getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(refusal(() -> JsonFields.parse("[1]")).getStatusCode()).isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
    }

    @Test
    void changes_listOnlyWhatDiffers_orEverySettingForTheFirstVersion() {
        SchedulingPolicy a = SchedulingPolicy.defaults("sbs");
        SchedulingPolicy b = a.toBuilder().name("round-robin").pinnedInterval(Duration.ofMillis(5)).build();
        assertThat(PolicyFields.changes(a, b)).containsExactly(
                new PolicyFields.Change("name", "sbs", "round-robin"),
                new PolicyFields.Change("pinnedInterval", "PT0S", "PT0.005S"));
        assertThat(PolicyFields.changes(null, b)).hasSize(17).allMatch(c -> c.before() == null);
    }

    @Test
    void nestedObjects_nameTheirFaultsWithThePath_inTheSameAnswer() {
        JsonFields outer = JsonFields.parse("{\"policy\":{\"iqrKappa\":\"x\",\"hue\":1},\"speed\":2,\"seed\":1.5}");
        outer.longInteger("seed");
        JsonFields inner = outer.object("policy");
        outer.addUnknown();
        ErrorResponseException e = refusal(() -> PolicyFields.patched(inner, SchedulingPolicy.defaults("sbs")));
        assertThat(errors(e)).containsOnlyKeys("policy.iqrKappa", "policy.hue", "speed", "seed");
        JsonFields notAnObject = JsonFields.parse("{\"policy\":[1]}");
        assertThat(notAnObject.object("policy")).isNull();
        assertThat(errors(refusal(notAnObject::finish))).containsEntry("policy", "must be a JSON object");
    }

    @Test
    void emptyBodyIsRefused() {
        assertThatThrownBy(() -> JsonFields.parse(null)).isInstanceOf(ErrorResponseException.class);
    }
}
