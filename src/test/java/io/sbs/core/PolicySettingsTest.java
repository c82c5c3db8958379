package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.PolicySettings.Setting;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PolicySettingsTest {

    @Test
    void table_coversEverySettingOfTheRecord_inOrder_eachWithALabelAndHelp() {
        assertThat(PolicySettings.ALL).extracting(Setting::name)
                .containsExactlyElementsOf(Arrays.stream(SchedulingPolicy.class.getRecordComponents())
                        .map(RecordComponent::getName).toList());
        assertThat(PolicySettings.ALL).allSatisfy(s -> {
            assertThat(s.label()).isNotBlank();
            assertThat(s.description()).isNotBlank();
        });
    }

    @Test
    void kinds_matchTheComponentTypes_andEachSetterWritesWhatItsGetterReads() {
        SchedulingPolicy defaults = SchedulingPolicy.defaults("sbs");
        RecordComponent[] components = SchedulingPolicy.class.getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            Setting s = PolicySettings.ALL.get(i);
            Class<?> type = components[i].getType();
            assertThat(s.kind()).as(s.name()).isEqualTo(type == String.class ? PolicySettings.Kind.TEXT
                    : type == Duration.class ? PolicySettings.Kind.DURATION
                    : type == int.class ? PolicySettings.Kind.INTEGER : PolicySettings.Kind.NUMBER);
            SchedulingPolicy.Builder b = SchedulingPolicy.builder().name("round-robin");
            s.set().accept(b, s.get().apply(defaults));
            assertThat(s.get().apply(b.build())).as(s.name()).isEqualTo(s.get().apply(defaults));
        }
    }
}
