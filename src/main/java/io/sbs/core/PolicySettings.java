package io.sbs.core;

import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Every setting of a {@link SchedulingPolicy}, once: its name, type, the label and unit an operator sees and
 * a line of help. The admin API's JSON (and its OpenAPI schema), the dashboard's edit form and both audit
 * views read this one table, so a setting added to the policy is described in one place and the two
 * surfaces cannot drift; {@code PolicySettingsTest} fails while the table misses a record component.
 */
public final class PolicySettings {

    /** How a setting's value is typed: in JSON (durations as ISO-8601) and on the form (durations in ms). */
    public enum Kind { TEXT, DURATION, INTEGER, NUMBER }

    /**
     * One setting.
     *
     * @param name        the record component's name, which is also the JSON member and the form field
     * @param kind        its type
     * @param label       its name for operators (SPEC.md section 2 vocabulary)
     * @param unit        the unit the dashboard shows next to it ({@code ms} for durations), or empty
     * @param description a line of help, for the API schema and the form alike
     */
    public record Setting(String name, Kind kind, String label, String unit, String description,
            Function<SchedulingPolicy, Object> get, BiConsumer<SchedulingPolicy.Builder, Object> set) {
    }

    /** In the record's order. */
    public static final List<Setting> ALL = List.of(
            new Setting("name", Kind.TEXT, "Strategy", "",
                    "registry name of the dispatch strategy: sbs (Staggered Batch Scheduling), sbs-cache, or an "
                            + "immediate baseline (round-robin, least-outstanding-tokens, earliest-finish-time, ...)",
                    SchedulingPolicy::name, (b, v) -> b.name((String) v)),
            new Setting("defaultInterval", Kind.DURATION, "Δ at start", "ms",
                    "Δ before any forward pass is reported (offline stress-test value)",
                    SchedulingPolicy::defaultInterval, (b, v) -> b.defaultInterval((Duration) v)),
            new Setting("minInterval", Kind.DURATION, "Δ min", "ms", "lower clamp of the adaptive Δ",
                    SchedulingPolicy::minInterval, (b, v) -> b.minInterval((Duration) v)),
            new Setting("maxInterval", Kind.DURATION, "Δ max", "ms", "upper clamp of the adaptive Δ (at most 60 s)",
                    SchedulingPolicy::maxInterval, (b, v) -> b.maxInterval((Duration) v)),
            new Setting("pinnedInterval", Kind.DURATION, "Pinned Δ", "ms",
                    "operator override of Δ; zero keeps it adaptive, (T̄_fwd + τ_net) / N",
                    SchedulingPolicy::pinnedInterval, (b, v) -> b.pinnedInterval((Duration) v)),
            new Setting("windowSamples", Kind.INTEGER, "T̄_fwd window", "samples",
                    "sliding-window length of the T̄_fwd and τ_net averages",
                    SchedulingPolicy::windowSamples, (b, v) -> b.windowSamples((Integer) v)),
            new Setting("watchdogFactor", Kind.NUMBER, "Watchdog k_w", "× T̄_fwd",
                    "k_w: the watchdog forces an instance ready after k_w · T̄_fwd without a signal",
                    SchedulingPolicy::watchdogFactor, (b, v) -> b.watchdogFactor((Double) v)),
            new Setting("suspectAfterFires", Kind.INTEGER, "Suspect after", "fires",
                    "consecutive watchdog fires that mark an instance suspect (removed from N)",
                    SchedulingPolicy::suspectAfterFires, (b, v) -> b.suspectAfterFires((Integer) v)),
            new Setting("overloadCycles", Kind.INTEGER, "Overload K", "cycles",
                    "K: failed allocation cycles of one request that turn flow control (429) on",
                    SchedulingPolicy::overloadCycles, (b, v) -> b.overloadCycles((Integer) v)),
            new Setting("iqrKappa", Kind.NUMBER, "IQR κ", "", "κ of the decode mask θ = Q3 + κ · (Q3 − Q1) of the KV load",
                    SchedulingPolicy::iqrKappa, (b, v) -> b.iqrKappa((Double) v)),
            new Setting("dispatchGuardFraction", Kind.NUMBER, "Dispatch guard", "× T̄_fwd",
                    "least margin, as a fraction of T̄_fwd, by which a top-up aims to land before the predicted pass end",
                    SchedulingPolicy::dispatchGuardFraction, (b, v) -> b.dispatchGuardFraction((Double) v)),
            new Setting("dispatchGuardSigmas", Kind.NUMBER, "Dispatch guard", "σ",
                    "margin in standard deviations of the pass-time prediction error",
                    SchedulingPolicy::dispatchGuardSigmas, (b, v) -> b.dispatchGuardSigmas((Double) v)),
            new Setting("cacheBlockTokens", Kind.INTEGER, "Cache block", "tokens",
                    "tokens per prefix block of the requests' block hashes",
                    SchedulingPolicy::cacheBlockTokens, (b, v) -> b.cacheBlockTokens((Integer) v)),
            new Setting("cacheImbalanceGuard", Kind.NUMBER, "Cache imbalance guard", "× max C_avail",
                    "cache affinity may pick a DP unit only with at least this fraction of the largest C_avail",
                    SchedulingPolicy::cacheImbalanceGuard, (b, v) -> b.cacheImbalanceGuard((Double) v)),
            new Setting("cacheMatchThreshold", Kind.NUMBER, "Cache match threshold", "",
                    "cache-aware routing baseline: least prefix-match ratio that routes by cache",
                    SchedulingPolicy::cacheMatchThreshold, (b, v) -> b.cacheMatchThreshold((Double) v)),
            new Setting("balanceAbsThreshold", Kind.INTEGER, "Imbalance, absolute", "requests",
                    "cache-aware routing baseline: outstanding-request spread that counts as imbalanced",
                    SchedulingPolicy::balanceAbsThreshold, (b, v) -> b.balanceAbsThreshold((Integer) v)),
            new Setting("balanceRelThreshold", Kind.NUMBER, "Imbalance, relative", "× min",
                    "cache-aware routing baseline: max/min outstanding ratio that counts as imbalanced",
                    SchedulingPolicy::balanceRelThreshold, (b, v) -> b.balanceRelThreshold((Double) v)));

    private PolicySettings() {
    }
}
