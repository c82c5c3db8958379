package io.sbs.admin;

import io.sbs.core.InvalidPolicyException;
import io.sbs.core.SchedulingPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The policy's JSON form: one entry per {@link SchedulingPolicy} setting, with its JSON type, so reading,
 * writing, the audit's field-by-field comparison and the OpenAPI schema come from one table. Durations are
 * ISO-8601 strings ({@code "PT0.05S"}); {@code PolicyFieldsTest} checks the table covers every setting.
 */
final class PolicyFields {

    enum Kind { TEXT, DURATION, INTEGER, NUMBER }

    record Field(String name, Kind kind, String description, Function<SchedulingPolicy, Object> get,
            BiConsumer<SchedulingPolicy.Builder, Object> set) {
    }

    private static final SchedulingPolicy DEFAULTS = SchedulingPolicy.builder().build();

    static final List<Field> ALL = List.of(
            new Field("name", Kind.TEXT, "registry name of the dispatch strategy: sbs, sbs-cache, round-robin, ...",
                    SchedulingPolicy::name, (b, v) -> b.name((String) v)),
            new Field("defaultInterval", Kind.DURATION, "Δ before any forward pass is reported",
                    SchedulingPolicy::defaultInterval, (b, v) -> b.defaultInterval((Duration) v)),
            new Field("minInterval", Kind.DURATION, "lower clamp of the adaptive Δ",
                    SchedulingPolicy::minInterval, (b, v) -> b.minInterval((Duration) v)),
            new Field("maxInterval", Kind.DURATION, "upper clamp of the adaptive Δ (at most 60 s)",
                    SchedulingPolicy::maxInterval, (b, v) -> b.maxInterval((Duration) v)),
            new Field("pinnedInterval", Kind.DURATION, "operator override of Δ; PT0S keeps it adaptive",
                    SchedulingPolicy::pinnedInterval, (b, v) -> b.pinnedInterval((Duration) v)),
            new Field("windowSamples", Kind.INTEGER, "sliding-window length of the T̄_fwd and τ_net averages",
                    SchedulingPolicy::windowSamples, (b, v) -> b.windowSamples((Integer) v)),
            new Field("watchdogFactor", Kind.NUMBER, "k_w: the watchdog fires after k_w · T̄_fwd without a signal",
                    SchedulingPolicy::watchdogFactor, (b, v) -> b.watchdogFactor((Double) v)),
            new Field("suspectAfterFires", Kind.INTEGER, "consecutive watchdog fires that mark an instance suspect",
                    SchedulingPolicy::suspectAfterFires, (b, v) -> b.suspectAfterFires((Integer) v)),
            new Field("overloadCycles", Kind.INTEGER, "K: failed allocation cycles of one request that trigger flow control",
                    SchedulingPolicy::overloadCycles, (b, v) -> b.overloadCycles((Integer) v)),
            new Field("iqrKappa", Kind.NUMBER, "κ of the decode mask θ = Q3 + κ (Q3 - Q1)",
                    SchedulingPolicy::iqrKappa, (b, v) -> b.iqrKappa((Double) v)),
            new Field("dispatchGuardFraction", Kind.NUMBER, "least margin before a predicted pass end, as a fraction of T̄_fwd",
                    SchedulingPolicy::dispatchGuardFraction, (b, v) -> b.dispatchGuardFraction((Double) v)),
            new Field("dispatchGuardSigmas", Kind.NUMBER, "margin in standard deviations of the pass-time prediction error",
                    SchedulingPolicy::dispatchGuardSigmas, (b, v) -> b.dispatchGuardSigmas((Double) v)),
            new Field("cacheBlockTokens", Kind.INTEGER, "tokens per prefix block of the requests' block hashes",
                    SchedulingPolicy::cacheBlockTokens, (b, v) -> b.cacheBlockTokens((Integer) v)),
            new Field("cacheImbalanceGuard", Kind.NUMBER, "cache affinity may pick a unit only with at least this fraction of the largest C_avail",
                    SchedulingPolicy::cacheImbalanceGuard, (b, v) -> b.cacheImbalanceGuard((Double) v)),
            new Field("cacheMatchThreshold", Kind.NUMBER, "cache-aware routing baseline: least prefix-match ratio that routes by cache",
                    SchedulingPolicy::cacheMatchThreshold, (b, v) -> b.cacheMatchThreshold((Double) v)),
            new Field("balanceAbsThreshold", Kind.INTEGER, "cache-aware routing baseline: outstanding-request spread that counts as imbalanced",
                    SchedulingPolicy::balanceAbsThreshold, (b, v) -> b.balanceAbsThreshold((Integer) v)),
            new Field("balanceRelThreshold", Kind.NUMBER, "cache-aware routing baseline: max/min outstanding ratio that counts as imbalanced",
                    SchedulingPolicy::balanceRelThreshold, (b, v) -> b.balanceRelThreshold((Double) v)));

    private PolicyFields() {
    }

    /** The policy as JSON values, in table order; durations as ISO-8601 strings. */
    static Map<String, Object> write(SchedulingPolicy policy) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Field f : ALL) {
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
        for (Field f : ALL) {
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
