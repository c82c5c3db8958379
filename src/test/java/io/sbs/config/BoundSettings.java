package io.sbs.config;

import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * {@link SbsProperties} as the application binds them, with every default its records declare, from a few
 * settings written as they would be in {@code application.properties}. Constraints are not checked here:
 * {@code SbsPropertiesTest} does that through a real start.
 */
public final class BoundSettings {

    private BoundSettings() {
    }

    public static SbsProperties sbs(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate(SbsProperties.PREFIX, SbsProperties.class);
    }

    public static SbsProperties defaults() {
        return sbs(Map.of());
    }
}
