package io.sbs.admin;

import io.sbs.core.InvalidPolicyException;
import io.sbs.core.PolicySettings;
import io.sbs.core.PolicySettings.Setting;
import io.sbs.core.SchedulingPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The policy's JSON form, read from {@link PolicySettings} (the table the dashboard's form reads too), so
 * reading, writing, the audit's field-by-field comparison and the OpenAPI schema agree. Durations are
 * ISO-8601 strings ({@code "PT0.05S"}).
 */
final class PolicyFields {

    static final List<Setting> ALL = PolicySettings.ALL;

    private static final SchedulingPolicy DEFAULTS = SchedulingPolicy.builder().build();

    private PolicyFields() {
    }

    /** The policy as JSON values, in table order; durations as ISO-8601 strings. */
    static Map<String, Object> write(SchedulingPolicy policy) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Setting f : ALL) {
            out.put(f.name(), json(f.get().apply(policy)));
        }
        return out;
    }

    private static Object json(Object value) {
        return value instanceof Duration d ? d.toString() : value;
    }

    /** A whole policy ({@code PUT}): {@code name} is required, every other setting defaults when absent or null. */
    static SchedulingPolicy replacement(JsonFields json) {
        if (!json.has("name") || json.isNull("name")) {
            json.error("name", "is required");
        }
        return read(json, DEFAULTS);
    }

    /**
     * A JSON merge patch (RFC 7396) onto {@code current}: a field present sets the setting, {@code null}
     * sets it back to its default, an absent one keeps it.
     */
    static SchedulingPolicy patched(JsonFields json, SchedulingPolicy current) {
        return read(json, current);
    }

    private static SchedulingPolicy read(JsonFields json, SchedulingPolicy base) {
        SchedulingPolicy.Builder b = base.toBuilder();
        for (Setting f : ALL) {
            if (json.isNull(f.name())) {
                f.set().accept(b, f.get().apply(DEFAULTS));
                continue;
            }
            Object v = switch (f.kind()) {
                case TEXT -> json.text(f.name());
                case DURATION -> json.duration(f.name());
                case INTEGER -> json.integer(f.name());
                case NUMBER -> json.number(f.name());
            };
            if (v != null) {
                f.set().accept(b, v);
            }
        }
        // the core's range checks run too, so one answer names every fault, not only the JSON ones
        try {
            SchedulingPolicy next = b.build();
            json.finish();
            return next;
        } catch (InvalidPolicyException e) {
            e.fieldErrors().forEach(json::error);
            throw json.refusal();
        }
    }

    /** One setting that differs between two versions; {@code before} is null for the first version. */
    record Change(String field, @Nullable Object before, Object after) {
    }

    static List<Change> changes(@Nullable SchedulingPolicy before, SchedulingPolicy after) {
        return ALL.stream()
                .filter(f -> before == null || !Objects.equals(f.get().apply(before), f.get().apply(after)))
                .map(f -> new Change(f.name(), before == null ? null : json(f.get().apply(before)),
                        json(f.get().apply(after))))
                .toList();
    }
}
