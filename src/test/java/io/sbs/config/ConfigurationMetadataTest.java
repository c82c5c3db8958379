package io.sbs.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.security.SecurityProperties;
import java.io.IOException;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.DefaultValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The configuration metadata the build writes (spring-boot-configuration-processor): what IDEs complete
 * {@code sbs.*} from. Every setting of the {@code *Properties} records must be there with a description,
 * and with the default its record declares.
 */
class ConfigurationMetadataTest {

    private static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");

    /** A setting as the records declare it: its name, and its {@code @DefaultValue}, null for none. */
    private record Setting(String name, List<String> defaultValue) {
    }

    @Test
    void everySetting_hasADescription_andItsDefault() throws IOException {
        assertThat(METADATA).as("written by the configuration processor at compile time").exists();
        Map<String, JsonNode> described = new HashMap<>();
        for (JsonNode p : JsonMapper.builder().build().readTree(Files.readString(METADATA)).get("properties")) {
            if (p.get("name").asString().startsWith("sbs.")) {
                described.put(p.get("name").asString(), p);
            }
        }
        List<Setting> settings = new ArrayList<>();
        settings(SbsProperties.PREFIX, SbsProperties.class, SbsProperties.class, settings);
        settings(SecurityProperties.PREFIX, SecurityProperties.class, SecurityProperties.class, settings);
        assertThat(settings).extracting(Setting::name).contains("sbs.max-prompt-tokens", "sbs.state.lease-ttl",
                "sbs.security.login-attempts.window");

        SoftAssertions softly = new SoftAssertions();
        for (Setting s : settings) {
            JsonNode p = described.get(s.name());
            softly.assertThat(p).as("%s in the metadata", s.name()).isNotNull();
            if (p == null) {
                continue;
            }
            if (s.defaultValue() != null) {
                JsonNode d = p.get("defaultValue");
                softly.assertThat(d).as("%s: the default its record declares", s.name()).isNotNull();
                if (d != null) {
                    List<String> values = new ArrayList<>();
                    if (d.isArray()) {
                        d.forEach(v -> values.add(v.asString()));
                    } else {
                        values.add(d.asString());
                    }
                    softly.assertThat(values).as("%s default", s.name()).isEqualTo(s.defaultValue());
                }
            }
        }
        // an IDE shows the description as it stands: a javadoc tag would show as {@code ...}
        described.forEach((name, p) -> softly.assertThat(p.path("description").asString(""))
                .as("%s: its description, plain text", name).isNotBlank().doesNotContain("{@"));
        softly.assertAll();
    }

    /** The leaf settings under {@code prefix}: nested records of the same properties class are groups. */
    private static void settings(String prefix, Class<?> type, Class<?> root, List<Setting> into) {
        RecordComponent[] components = type.getRecordComponents();
        Parameter[] parameters;
        try {
            parameters = type.getDeclaredConstructor(Arrays.stream(components).map(RecordComponent::getType)
                    .toArray(Class<?>[]::new)).getParameters();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(type + " has no canonical constructor", e);
        }
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String name = prefix + "." + dashed(c.getName());
            if (c.getType().isRecord() && c.getType().getEnclosingClass() == root) {
                settings(name, c.getType(), root, into);
            } else {
                DefaultValue d = parameters[i].getAnnotation(DefaultValue.class);
                into.add(new Setting(name, d == null || d.value().length == 0 ? null : List.of(d.value())));
            }
        }
    }

    private static String dashed(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
