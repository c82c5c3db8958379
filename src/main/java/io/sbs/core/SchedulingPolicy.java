package io.sbs.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The named, versioned set of scheduler settings an operator changes at run time. Immutable and
 * validated on construction: an invalid combination throws {@link InvalidPolicyException} naming every
 * bad field, so a policy object that exists is always safe to apply.
 *
 * @param name                  registry name of the dispatch strategy, see {@link PolicyRegistry}
 * @param defaultInterval       {@code Δ} before any forward pass is reported (offline stress-test value)
 * @param minInterval           lower clamp of the adaptive {@code Δ}
 * @param maxInterval           upper clamp of the adaptive {@code Δ}
 * @param pinnedInterval        operator override of {@code Δ}; {@link Duration#ZERO} keeps it adaptive
 * @param windowSamples         sliding-window length of the {@code T̄_fwd} and {@code τ_net} averages
 * @param watchdogFactor        {@code k_w}: the watchdog fires after {@code k_w * T̄_fwd} without a signal
 * @param suspectAfterFires     consecutive watchdog fires that mark an instance suspect (removed from N)
 * @param overloadCycles        {@code K}: failed allocation cycles of one request that trigger flow control
 * @param iqrKappa              {@code κ} of the decode mask {@code θ = Q3 + κ (Q3 - Q1)}
 * @param dispatchGuardFraction least margin, as a fraction of {@code T̄_fwd}, by which a top-up aims to
 *                              land before the predicted pass end
 * @param dispatchGuardSigmas   margin in standard deviations of the pass-time prediction error, so that
 *                              jitter does not split a top-up across the pass boundary
 * @param cacheBlockTokens      tokens per prefix block of the requests' block hashes
 * @param cacheImbalanceGuard   cache affinity may pick a unit only if its {@code C_avail} is at least this
 *                              fraction of the largest {@code C_avail}
 * @param cacheMatchThreshold   cache-aware routing baseline: least prefix-match ratio that routes by cache
 * @param balanceAbsThreshold   cache-aware routing baseline: outstanding-request spread that counts as
 *                              imbalanced (with the relative threshold)
 * @param balanceRelThreshold   cache-aware routing baseline: max/min outstanding ratio that counts as imbalanced
 */
public record SchedulingPolicy(
        String name,
        Duration defaultInterval,
        Duration minInterval,
        Duration maxInterval,
        Duration pinnedInterval,
        int windowSamples,
        double watchdogFactor,
        int suspectAfterFires,
        int overloadCycles,
        double iqrKappa,
        double dispatchGuardFraction,
        double dispatchGuardSigmas,
        int cacheBlockTokens,
        double cacheImbalanceGuard,
        double cacheMatchThreshold,
        int balanceAbsThreshold,
        double balanceRelThreshold) {

    public SchedulingPolicy {
        Map<String, String> errors = new LinkedHashMap<>();
        if (name == null) {
            errors.put("name", "must name a policy, known: " + PolicyRegistry.standard().names());
        } else if (!PolicyRegistry.standard().contains(name)) {
            errors.put("name", "unknown policy '" + name + "', known: " + PolicyRegistry.standard().names());
        }
        positive(errors, "defaultInterval", defaultInterval);
        positive(errors, "minInterval", minInterval);
        positive(errors, "maxInterval", maxInterval);
        if (pinnedInterval == null || pinnedInterval.isNegative()) {
            errors.put("pinnedInterval", "must be zero (adaptive) or positive");
        }
        if (minInterval != null && maxInterval != null && minInterval.compareTo(maxInterval) > 0) {
            errors.put("minInterval", "must not exceed maxInterval");
        }
        if (maxInterval != null && maxInterval.compareTo(Duration.ofMinutes(1)) > 0) {
            errors.put("maxInterval", "must be at most 60 s");
        }
        range(errors, "windowSamples", windowSamples, 1, 10_000);
        range(errors, "watchdogFactor", watchdogFactor, 1.0, 100.0);
        range(errors, "suspectAfterFires", suspectAfterFires, 1, 1_000);
        range(errors, "overloadCycles", overloadCycles, 1, 1_000_000);
        range(errors, "iqrKappa", iqrKappa, 0.0, 100.0);
        range(errors, "dispatchGuardFraction", dispatchGuardFraction, 0.0, 1.0);
        range(errors, "dispatchGuardSigmas", dispatchGuardSigmas, 0.0, 10.0);
        range(errors, "cacheBlockTokens", cacheBlockTokens, 1, 1 << 20);
        range(errors, "cacheImbalanceGuard", cacheImbalanceGuard, 0.0, 1.0);
        range(errors, "cacheMatchThreshold", cacheMatchThreshold, 0.0, 1.0);
        range(errors, "balanceAbsThreshold", balanceAbsThreshold, 0, 1_000_000);
        range(errors, "balanceRelThreshold", balanceRelThreshold, 1.0, 1_000.0);
        if (!errors.isEmpty()) {
            throw new InvalidPolicyException(errors);
        }
    }

    /** The default settings of the named strategy. */
    public static SchedulingPolicy defaults(String name) {
        return builder().name(name).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().name(name).defaultInterval(defaultInterval).minInterval(minInterval)
                .maxInterval(maxInterval).pinnedInterval(pinnedInterval).windowSamples(windowSamples)
                .watchdogFactor(watchdogFactor).suspectAfterFires(suspectAfterFires).overloadCycles(overloadCycles)
                .iqrKappa(iqrKappa).dispatchGuardFraction(dispatchGuardFraction).dispatchGuardSigmas(dispatchGuardSigmas)
                .cacheBlockTokens(cacheBlockTokens)
                .cacheImbalanceGuard(cacheImbalanceGuard).cacheMatchThreshold(cacheMatchThreshold)
                .balanceAbsThreshold(balanceAbsThreshold).balanceRelThreshold(balanceRelThreshold);
    }

    private static void positive(Map<String, String> errors, String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            errors.put(field, "must be a positive duration");
        }
    }

    private static void range(Map<String, String> errors, String field, double v, double min, double max) {
        if (!(v >= min && v <= max)) {
            errors.put(field, "must be between " + min + " and " + max + ", was " + v);
        }
    }

    private static void range(Map<String, String> errors, String field, int v, int min, int max) {
        if (v < min || v > max) {
            errors.put(field, "must be between " + min + " and " + max + ", was " + v);
        }
    }

    /** Builder seeded with the defaults (SPEC.md section 3 and the paper). */
    public static final class Builder {
        private String name = PolicyRegistry.SBS;
        private Duration defaultInterval = Duration.ofMillis(50);
        private Duration minInterval = Duration.ofMillis(1);
        private Duration maxInterval = Duration.ofSeconds(2);
        private Duration pinnedInterval = Duration.ZERO;
        private int windowSamples = 32;
        private double watchdogFactor = 3.0;
        private int suspectAfterFires = 3;
        private int overloadCycles = 8;
        private double iqrKappa = 1.5;
        private double dispatchGuardFraction = 0.02;
        private double dispatchGuardSigmas = 3.0;
        private int cacheBlockTokens = 512;
        private double cacheImbalanceGuard = 0.5;
        // sgl-router's defaults: cache_threshold 0.3, balance_abs_threshold 64, balance_rel_threshold 1.5
        private double cacheMatchThreshold = 0.3;
        private int balanceAbsThreshold = 64;
        private double balanceRelThreshold = 1.5;

        public Builder name(String v) { name = v; return this; }
        public Builder defaultInterval(Duration v) { defaultInterval = v; return this; }
        public Builder minInterval(Duration v) { minInterval = v; return this; }
        public Builder maxInterval(Duration v) { maxInterval = v; return this; }
        public Builder pinnedInterval(Duration v) { pinnedInterval = v; return this; }
        public Builder windowSamples(int v) { windowSamples = v; return this; }
        public Builder watchdogFactor(double v) { watchdogFactor = v; return this; }
        public Builder suspectAfterFires(int v) { suspectAfterFires = v; return this; }
        public Builder overloadCycles(int v) { overloadCycles = v; return this; }
        public Builder iqrKappa(double v) { iqrKappa = v; return this; }
        public Builder dispatchGuardFraction(double v) { dispatchGuardFraction = v; return this; }
        public Builder dispatchGuardSigmas(double v) { dispatchGuardSigmas = v; return this; }
        public Builder cacheBlockTokens(int v) { cacheBlockTokens = v; return this; }
        public Builder cacheImbalanceGuard(double v) { cacheImbalanceGuard = v; return this; }
        public Builder cacheMatchThreshold(double v) { cacheMatchThreshold = v; return this; }
        public Builder balanceAbsThreshold(int v) { balanceAbsThreshold = v; return this; }
        public Builder balanceRelThreshold(double v) { balanceRelThreshold = v; return this; }

        public SchedulingPolicy build() {
            return new SchedulingPolicy(name, defaultInterval, minInterval, maxInterval, pinnedInterval,
                    windowSamples, watchdogFactor, suspectAfterFires, overloadCycles, iqrKappa,
                    dispatchGuardFraction, dispatchGuardSigmas, cacheBlockTokens, cacheImbalanceGuard, cacheMatchThreshold,
                    balanceAbsThreshold, balanceRelThreshold);
        }
    }
}
