package io.sbs.dashboard;

import io.sbs.core.InvalidPolicyException;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.PolicySettings;
import io.sbs.core.PolicySettings.Kind;
import io.sbs.core.PolicySettings.Setting;
import io.sbs.core.SchedulingPolicy;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The policy edit form: one field per {@link PolicySettings} entry (the table the admin API reads too), in
 * the record's order, with its label, unit and help from there. Durations are edited in milliseconds.
 * Parsing keeps what the operator typed, so a refused form comes back as it was sent, with each error next
 * to its field: the policy's own validation ({@link InvalidPolicyException#fieldErrors()}) and, before it,
 * numbers that do not parse.
 */
final class PolicyFields {

    /** One form field as rendered. */
    record Field(String name, String label, String unit, String help, String value, @Nullable String error,
            boolean choice) {
    }

    /** A field whose value differs between two versions, values as the form shows them. */
    record Change(String name, String label, String before, String after) {
    }

    /** A submitted form: the policy, or the errors by field; {@code values} as typed. */
    record Parsed(@Nullable SchedulingPolicy policy, Map<String, String> values, Map<String, String> errors) {
    }

    private PolicyFields() {
    }

    /** The settings' names, in the record's order. */
    static List<String> names() {
        return PolicySettings.ALL.stream().map(Setting::name).toList();
    }

    /** The form's values for {@code policy}. */
    static Map<String, String> values(SchedulingPolicy policy) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting s : PolicySettings.ALL) {
            values.put(s.name(), format(s.get().apply(policy)));
        }
        return values;
    }

    /** The fields to render, with {@code values} (as typed or from a policy) and {@code errors} by name. */
    static List<Field> fields(Map<String, String> values, Map<String, String> errors) {
        List<Field> fields = new ArrayList<>();
        for (Setting s : PolicySettings.ALL) {
            fields.add(new Field(s.name(), s.label(), s.unit(), s.description(), values.getOrDefault(s.name(), ""),
                    errors.get(s.name()), s.kind() == Kind.TEXT));
        }
        return fields;
    }

    /** Strategy names for the {@code name} field. */
    static List<String> strategies() {
        return PolicyRegistry.standard().names();
    }

    /** Parses a submitted form; fields missing from it keep {@code base}'s value. */
    static Parsed parse(Map<String, String> form, SchedulingPolicy base) {
        Map<String, String> values = values(base);
        Map<String, String> errors = new LinkedHashMap<>();
        SchedulingPolicy.Builder builder = base.toBuilder();
        for (Setting s : PolicySettings.ALL) {
            String typed = form.get(s.name());
            if (typed == null) {
                continue;
            }
            typed = typed.strip();
            values.put(s.name(), typed);
            try {
                s.set().accept(builder, convert(s.kind(), typed));
            } catch (IllegalArgumentException | ArithmeticException e) {
                errors.put(s.name(), switch (s.kind()) {
                    case DURATION -> "must be a number of milliseconds";
                    case INTEGER -> "must be a whole number";
                    default -> "must be a number";
                });
            }
        }
        try {
            SchedulingPolicy policy = builder.build();
            return errors.isEmpty() ? new Parsed(policy, values, errors) : new Parsed(null, values, errors);
        } catch (InvalidPolicyException invalid) {
            invalid.fieldErrors().forEach(errors::putIfAbsent);
            return new Parsed(null, values, errors);
        }
    }

    /** The fields that differ from {@code before} to {@code after}. */
    static List<Change> changes(SchedulingPolicy before, SchedulingPolicy after) {
        List<Change> changes = new ArrayList<>();
        for (Setting s : PolicySettings.ALL) {
            Object b = s.get().apply(before);
            Object a = s.get().apply(after);
            if (!Objects.equals(a, b)) {
                String unit = s.unit().isEmpty() ? "" : " " + s.unit();
                changes.add(new Change(s.name(), s.label(), format(b) + unit, format(a) + unit));
            }
        }
        return changes;
    }

    private static Object convert(Kind kind, String typed) {
        return switch (kind) {
            case TEXT -> typed;
            case INTEGER -> Integer.parseInt(typed);
            case NUMBER -> {
                double v = Double.parseDouble(typed);
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("not finite");
                }
                yield v;
            }
            case DURATION -> Duration.ofNanos(new BigDecimal(typed).movePointRight(6).setScale(0, RoundingMode.HALF_UP)
                    .longValueExact());
        };
    }

    static String format(Object value) {
        if (value instanceof Duration d) {
            return BigDecimal.valueOf(d.toNanos()).movePointLeft(6).stripTrailingZeros().toPlainString();
        }
        if (value instanceof Double v) {
            return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
        }
        return String.valueOf(value);
    }
}
