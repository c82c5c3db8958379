package io.sbs.loop;

import io.sbs.core.Phase;
import io.sbs.core.ReadinessSource;
import io.sbs.core.SchedulingPolicy;
import java.util.List;
import java.util.Map;

/**
 * A consistent copy of the dispatch loop's state, taken on the loop's thread, for readers on other
 * threads (metrics, later the admin API and dashboard), which must never touch the core's mutable state.
 *
 * @param policy            active policy name
 * @param activePolicy      active policy, every setting
 * @param takenAtNanos      loop clock when taken
 * @param buffered          requests accepted and not yet assigned (both phases)
 * @param overloaded        flow control on (new requests get 429)
 * @param prefill           prefill phase figures
 * @param decode            decode phase figures; {@code null} without decode instances
 * @param units             every DP unit
 * @param chunkUtilization  new prompt tokens over chunk capacity, summed over the passes reported
 *                          since the previous snapshot; {@code NaN} when none was
 * @param instances         every instance, with the signals its readiness came from
 */
public record LoopSnapshot(String policy, SchedulingPolicy activePolicy, long takenAtNanos, int buffered, boolean overloaded, PhaseView prefill,
        PhaseView decode, List<UnitView> units, double chunkUtilization, List<InstanceView> instances) {

    public LoopSnapshot {
        instances = instances == null ? List.of() : List.copyOf(instances);
    }

    public LoopSnapshot(String policy, SchedulingPolicy activePolicy, long takenAtNanos, int buffered, boolean overloaded,
            PhaseView prefill, PhaseView decode, List<UnitView> units, double chunkUtilization) {
        this(policy, activePolicy, takenAtNanos, buffered, overloaded, prefill, decode, units, chunkUtilization, List.of());
    }

    /**
     * One instance and how its readiness is judged.
     *
     * @param readiness pass boundaries (readiness decisions) each signal established since start, by
     *                  {@link ReadinessSource#tag()}: {@code push}, {@code completion}, {@code poll},
     *                  {@code watchdog}, {@code prediction}; empty for decode instances
     */
    public record InstanceView(String instanceId, Phase phase, boolean suspect, boolean draining,
            Map<String, Long> readiness) {

        public InstanceView {
            readiness = Map.copyOf(readiness);
        }

        /** Decisions from {@code source} since start. */
        public long readiness(ReadinessSource source) {
            return readiness.getOrDefault(source.tag(), 0L);
        }
    }

    /**
     * @param intervalNanos        {@code Δ}
     * @param meanForwardNanos     {@code T̄_fwd}
     * @param dispatchLatencyNanos {@code τ_net} (mean)
     * @param healthyInstances     {@code N}
     * @param instances            registered instances
     * @param watchdogFires        watchdog fires since start, summed over the phase's instances
     * @param forwardSamples       passes {@code T̄_fwd} averages (0: a prior or the cold-start default)
     * @param pushedForwardSamples of those, passes an EndForward push reported
     * @param forwardFromPushes    {@code T̄_fwd} comes from EndForward pushes: pushed passes in the window, or,
     *                             with none, a prior (the leader's published figure) that came from pushes
     */
    public record PhaseView(long intervalNanos, long meanForwardNanos, long dispatchLatencyNanos, int healthyInstances,
            int instances, long watchdogFires, int forwardSamples, int pushedForwardSamples,
            boolean forwardFromPushes) {

        /** A phase whose {@code T̄_fwd} has no measured pass (the default or a prior not from pushes). */
        public PhaseView(long intervalNanos, long meanForwardNanos, long dispatchLatencyNanos, int healthyInstances,
                int instances, long watchdogFires) {
            this(intervalNanos, meanForwardNanos, dispatchLatencyNanos, healthyInstances, instances, watchdogFires, 0,
                    0, false);
        }
    }

    /**
     * @param availableTokens {@code C_avail} (prefill)
     * @param batchSize       running batch, reported plus in flight (decode)
     * @param kvTokens        KV load, reported plus in flight (decode)
     * @param inflightTokens  {@code T_inflight} (prefill)
     * @param backlogTokens   {@code Q_device}, as the engine last reported it (prefill); with the two above,
     *                        {@code C_max = C_avail + T_inflight + Q_device}
     * @param prefixLookupTokens prompt tokens of requests with prefix block hashes this loop placed on the unit
     *                        since it started (prefill)
     * @param prefixHitTokens of those, the tokens the cache view held cached there when deciding (prefill)
     */
    public record UnitView(String instanceId, int dpRank, Phase phase, boolean suspect, long availableTokens,
            long outstandingTokens, int batchSize, long kvTokens, long inflightTokens, long backlogTokens,
            long prefixLookupTokens, long prefixHitTokens) {

        /** A unit without prefix lookups. */
        public UnitView(String instanceId, int dpRank, Phase phase, boolean suspect, long availableTokens,
                long outstandingTokens, int batchSize, long kvTokens, long inflightTokens, long backlogTokens) {
            this(instanceId, dpRank, phase, suspect, availableTokens, outstandingTokens, batchSize, kvTokens,
                    inflightTokens, backlogTokens, 0, 0);
        }
    }
}
