package io.sbs.dashboard;

import io.sbs.core.InvalidPolicyException;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
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
 * The policy edit form: one field per component of {@link SchedulingPolicy}, in its order, found by
 * reflection so that a setting added to the policy appears on the form (and in the audit trail's
 * differences) without another change here; {@code PolicyFieldsTest} fails until it has a label.
 * Durations are edited in milliseconds. Parsing keeps what the operator typed, so a refused form comes back
 * as it was sent, with each error next to its field: the policy's own validation
 * ({@link InvalidPolicyException#fieldErrors()}) and, before it, numbers that do not parse.
 */
final class PolicyFields {

    /** How a field is shown: label (SPEC.md section 2 vocabulary), unit, and a line of help. */
    record Label(String label, String unit, String help) {
    }

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

    static final Map<String, Label> LABELS = labels();

    private static final RecordComponent[] COMPONENTS = SchedulingPolicy.class.getRecordComponents();
    private static final Constructor<SchedulingPolicy> CANONICAL = canonical();

    private PolicyFields() {
    }

    private static Map<String, Label> labels() {
        Map<String, Label> l = new LinkedHashMap<>();
        l.put("name", new Label("Strategy", "", "the dispatch strategy; sbs is Staggered Batch Scheduling, the rest are immediate baselines"));
        l.put("defaultInterval", new Label("Δ at start", "ms", "Δ before any forward pass is reported (offline stress-test value)"));
        l.put("minInterval", new Label("Δ min", "ms", "lower clamp of the adaptive Δ"));
        l.put("maxInterval", new Label("Δ max", "ms", "upper clamp of the adaptive Δ, at most 60 s"));
        l.put("pinnedInterval", new Label("Pinned Δ", "ms", "operator override of Δ; 0 keeps it adaptive, (T̄_fwd + τ_net) / N"));
        l.put("windowSamples", new Label("T̄_fwd window", "samples", "sliding window of the T̄_fwd and τ_net averages"));
        l.put("watchdogFactor", new Label("Watchdog k_w", "× T̄_fwd", "the watchdog forces an instance ready after k_w · T̄_fwd without a signal"));
        l.put("suspectAfterFires", new Label("Suspect after", "fires", "consecutive watchdog fires that mark an instance suspect, out of N"));
        l.put("overloadCycles", new Label("Overload K", "cycles", "failed allocation cycles of one request that turn flow control (429) on"));
        l.put("iqrKappa", new Label("IQR κ", "", "decode mask θ = Q3 + κ · (Q3 − Q1) of the KV load"));
        l.put("dispatchGuardFraction", new Label("Dispatch guard", "× T̄_fwd", "least margin by which a top-up aims to land before the predicted pass end"));
        l.put("dispatchGuardSigmas", new Label("Dispatch guard", "σ", "margin in standard deviations of the pass-time prediction error"));
        l.put("cacheBlockTokens", new Label("Cache block", "tokens", "tokens per prefix block of the requests' block hashes"));
        l.put("cacheImbalanceGuard", new Label("Cache imbalance guard", "× max C_avail", "cache affinity may pick a DP unit only with at least this share of the largest C_avail"));
        l.put("cacheMatchThreshold", new Label("Cache match threshold", "", "cache-aware baseline: least prefix-match ratio that routes by cache"));
        l.put("balanceAbsThreshold", new Label("Imbalance, absolute", "requests", "cache-aware baseline: outstanding-request spread that counts as imbalanced"));
        l.put("balanceRelThreshold", new Label("Imbalance, relative", "× min", "cache-aware baseline: max/min outstanding ratio that counts as imbalanced"));
        return Map.copyOf(l);
    }

    @SuppressWarnings("unchecked")
    private static Constructor<SchedulingPolicy> canonical() {
        Class<?>[] types = new Class<?>[COMPONENTS.length];
        for (int i = 0; i < types.length; i++) {
            types[i] = COMPONENTS[i].getType();
        }
        try {
            return SchedulingPolicy.class.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("a record has its canonical constructor", e);
        }
    }

    /** The components' names, in the record's order. */
    static List<String> names() {
        List<String> names = new ArrayList<>();
        for (RecordComponent c : COMPONENTS) {
            names.add(c.getName());
        }
        return names;
    }

    /** The form's values for {@code policy}. */
    static Map<String, String> values(SchedulingPolicy policy) {
        Map<String, String> values = new LinkedHashMap<>();
        for (RecordComponent c : COMPONENTS) {
            values.put(c.getName(), format(read(c, policy)));
        }
        return values;
    }

    /** The fields to render, with {@code values} (as typed or from a policy) and {@code errors} by name. */
    static List<Field> fields(Map<String, String> values, Map<String, String> errors) {
        List<Field> fields = new ArrayList<>();
        for (RecordComponent c : COMPONENTS) {
            String name = c.getName();
            Label label = LABELS.getOrDefault(name, new Label(name, "", ""));
            fields.add(new Field(name, label.label(), label.unit(), label.help(), values.getOrDefault(name, ""),
                    errors.get(name), name.equals("name")));
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
        Object[] args = new Object[COMPONENTS.length];
        for (int i = 0; i < COMPONENTS.length; i++) {
            RecordComponent c = COMPONENTS[i];
            String typed = form.get(c.getName());
            args[i] = read(c, base);
            if (typed == null) {
                continue;
            }
            typed = typed.strip();
            values.put(c.getName(), typed);
            try {
                args[i] = convert(c.getType(), typed);
            } catch (IllegalArgumentException | ArithmeticException e) {
                errors.put(c.getName(), c.getType() == Duration.class ? "must be a number of milliseconds"
                        : c.getType() == int.class ? "must be a whole number" : "must be a number");
            }
        }
        try {
            SchedulingPolicy policy = CANONICAL.newInstance(args);
            return errors.isEmpty() ? new Parsed(policy, values, errors) : new Parsed(null, values, errors);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof InvalidPolicyException invalid) {
                invalid.fieldErrors().forEach(errors::putIfAbsent);
                return new Parsed(null, values, errors);
            }
            throw new IllegalStateException("building a policy failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("building a policy failed", e);
        }
    }

    /** The fields that differ from {@code before} to {@code after}. */
    static List<Change> changes(SchedulingPolicy before, SchedulingPolicy after) {
        List<Change> changes = new ArrayList<>();
        for (RecordComponent c : COMPONENTS) {
            Object b = read(c, before);
            Object a = read(c, after);
            if (!Objects.equals(a, b)) {
                Label label = LABELS.getOrDefault(c.getName(), new Label(c.getName(), "", ""));
                String unit = label.unit().isEmpty() ? "" : " " + label.unit();
                changes.add(new Change(c.getName(), label.label(), format(b) + unit, format(a) + unit));
            }
        }
        return changes;
    }

    private static Object read(RecordComponent c, SchedulingPolicy policy) {
        try {
            return c.getAccessor().invoke(policy);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("reading " + c.getName(), e);
        }
    }

    private static Object convert(Class<?> type, String typed) {
        if (type == String.class) {
            return typed;
        }
        if (type == int.class) {
            return Integer.parseInt(typed);
        }
        if (type == double.class) {
            double v = Double.parseDouble(typed);
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("not finite");
            }
            return v;
        }
        if (type == Duration.class) {
            return Duration.ofNanos(new BigDecimal(typed).movePointRight(6).setScale(0, RoundingMode.HALF_UP)
                    .longValueExact());
        }
        throw new IllegalStateException("no form conversion for " + type);
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
