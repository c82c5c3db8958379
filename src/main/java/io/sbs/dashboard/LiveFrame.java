package io.sbs.dashboard;

import io.sbs.control.ClusterView;
import io.sbs.control.ReadinessWindow;
import io.sbs.core.IqrLexicographicDecodeAllocator;
import io.sbs.core.Phase;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.ReadinessSource;
import io.sbs.loop.LoopSnapshot;
import io.sbs.state.Leadership;
import io.sbs.state.PolicyRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * What the dashboard shows at one instant, sent to the browser as JSON in a server-sent event. The
 * {@link Summary} is small and kept for the charts over time; the per-DP-unit figures are columns (one
 * array per figure, an index per unit), so a frame of 1,000 units stays a few tens of kilobytes and the
 * browser hands the arrays to the charts without building an object per unit.
 *
 * @param units     null when the page asked for the summary alone
 * @param readiness which signals established the prefill instances' pass boundaries lately
 */
record LiveFrame(Summary summary, @Nullable Units units, Readiness readiness) {

    /**
     * @param atMs             wall-clock time of the frame, epoch milliseconds (chart axes)
     * @param policy           the strategy the loop runs
     * @param policyVersion    its stored version (0 before the first is stored)
     * @param policyActor      who stored it
     * @param pinnedIntervalMs the operator's pinned {@code Δ}, 0 while adaptive
     * @param requests         first tokens relayed since start (all policies)
     * @param qps              requests per second that got their first token, over {@link RequestWindow}'s window
     * @param chunkUtilization prefill chunk utilization of the last second, null without passes
     * @param degraded         this node decides alone: the shared store is unreachable (degraded mode)
     * @param decode           null without decode instances
     * @param kv               the decode KV-load band, null without decode units
     */
    record Summary(long atMs, String policy, long policyVersion, String policyActor, double pinnedIntervalMs,
            Leadership.Status leader, boolean degraded, long requests, @Nullable Double qps, @Nullable Double ttftP50Ms,
            @Nullable Double ttftP99Ms, int buffered, boolean overloaded, @Nullable Double chunkUtilization,
            PhaseFigures prefill, @Nullable PhaseFigures decode, @Nullable KvBand kv) {
    }

    /**
     * One phase's interval figures, in milliseconds.
     *
     * @param intervalMs        {@code Δ}
     * @param meanForwardMs     {@code T̄_fwd}
     * @param dispatchLatencyMs {@code τ_net}
     * @param healthyInstances  {@code N}
     */
    record PhaseFigures(double intervalMs, double meanForwardMs, double dispatchLatencyMs, int healthyInstances,
            int instances, long watchdogFires) {

        static PhaseFigures of(LoopSnapshot.PhaseView v) {
            return new PhaseFigures(v.intervalNanos() / 1e6, v.meanForwardNanos() / 1e6,
                    v.dispatchLatencyNanos() / 1e6, v.healthyInstances(), v.instances(), v.watchdogFires());
        }

        static @Nullable PhaseFigures ofNullable(LoopSnapshot.@Nullable PhaseView v) {
            return v == null ? null : of(v);
        }
    }

    /**
     * The decode IQR mask at this instant: quartiles of the KV load {@code k} over the decode units the
     * allocator weighs, {@code θ = Q3 + κ (Q3 - Q1)}, and how many units lie above {@code θ} (masked).
     */
    record KvBand(double q1, double median, double q3, double theta, double kappa, long min, long max, int units,
            int masked) {

        /** Null for no units. Uses the allocator's own quartiles and threshold, so the page and the core agree. */
        static @Nullable KvBand of(long[] kv, double kappa) {
            if (kv.length == 0) {
                return null;
            }
            long[] sorted = kv.clone();
            Arrays.sort(sorted);
            double theta = IqrLexicographicDecodeAllocator.threshold(kv, kappa);
            int masked = 0;
            for (long k : kv) {
                masked += k > theta ? 1 : 0;
            }
            return new KvBand(IqrLexicographicDecodeAllocator.quantile(sorted, 0.25),
                    IqrLexicographicDecodeAllocator.quantile(sorted, 0.5),
                    IqrLexicographicDecodeAllocator.quantile(sorted, 0.75), theta, kappa, sorted[0],
                    sorted[sorted.length - 1], kv.length, masked);
        }
    }

    /**
     * One point of the shared interval history the leader publishes ({@link ClusterView}), in the frame's
     * units, so a page's charts over time start from the cluster's history rather than this node's.
     */
    record IntervalPoint(long atMs, String leaderId, long epoch, PhaseFigures prefill, @Nullable PhaseFigures decode) {

        static IntervalPoint of(ClusterView.IntervalSample s) {
            return new IntervalPoint(s.takenAtMs(), s.leaderId(), s.epoch(), PhaseFigures.of(s.prefill()),
                    PhaseFigures.ofNullable(s.decode()));
        }
    }

    record Instance(String id, boolean suspect) {
    }

    /**
     * Readiness decisions of the prefill instances by source ({@link ReadinessWindow}), a few numbers per
     * instance: sent with every frame, kept out of the summaries' history.
     *
     * @param instances    every prefill instance, in the loop's order
     * @param watchdogOnly present while the triple check runs degraded: the active policy buffers (SBS)
     *                     and its prefill instances' boundaries came from watchdog fires alone lately
     */
    record Readiness(List<InstanceReadiness> instances, @Nullable WatchdogOnly watchdogOnly) {

        /**
         * @param snapshot the loop's instances and policy
         * @param recent   decisions over the table's window (a minute), by instance
         * @param latest   decisions over the warning's window (seconds), by instance
         */
        static Readiness of(LoopSnapshot snapshot, Map<String, ReadinessWindow.Recent> recent,
                Map<String, ReadinessWindow.Recent> latest) {
            List<InstanceReadiness> instances = new ArrayList<>();
            for (LoopSnapshot.InstanceView v : snapshot.instances()) {
                if (v.phase() == Phase.PREFILL) {
                    ReadinessWindow.Recent r = recent.get(v.instanceId());
                    instances.add(new InstanceReadiness(v.instanceId(), v.suspect(), v.draining(),
                            r == null ? 0 : r.windowMs(), r == null ? bySource(s -> 0L) : r.decisions(),
                            bySource(v::readiness)));
                }
            }
            return new Readiness(instances, staggered(snapshot.policy()) ? WatchdogOnly.of(latest) : null);
        }

        private static boolean staggered(String policy) {
            PolicyRegistry registry = PolicyRegistry.standard();
            return registry.contains(policy) && registry.get(policy).staggered();
        }

        private static Map<String, Long> bySource(ToLongFunction<ReadinessSource> count) {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (ReadinessSource source : ReadinessSource.values()) {
                counts.put(source.tag(), count.applyAsLong(source));
            }
            return counts;
        }
    }

    /**
     * One prefill instance's readiness decisions, by {@link ReadinessSource#tag()} in the enum's order.
     *
     * @param windowMs how long {@code recent} covers: a minute, less for an instance seen for a shorter time
     * @param recent   over the last {@code windowMs}
     * @param total    since the leader's loop started
     */
    record InstanceReadiness(String id, boolean suspect, boolean draining, long windowMs, Map<String, Long> recent,
            Map<String, Long> total) {
    }

    /**
     * The triple check's degraded mode: no prefill instance's pass boundary came from a push, a first
     * token, a poll or the prediction over the last {@code windowMs}, while the watchdog fired, so SBS
     * dispatches one batch per watchdog period ({@code k_w · T̄_fwd}) per instance.
     *
     * @param fires     watchdog fires in the window, all instances
     * @param instances prefill instances whose watchdog fired
     */
    record WatchdogOnly(long windowMs, long fires, int instances) {

        /** Null unless the watchdog fired and nothing else established a boundary. */
        static @Nullable WatchdogOnly of(Map<String, ReadinessWindow.Recent> latest) {
            long fires = 0;
            long others = 0;
            long windowMs = 0;
            int firing = 0;
            for (ReadinessWindow.Recent r : latest.values()) {
                long w = r.decisions(ReadinessSource.WATCHDOG);
                fires += w;
                others += r.total() - w;
                firing += w > 0 ? 1 : 0;
                windowMs = Math.max(windowMs, r.windowMs());
            }
            return fires > 0 && others == 0 ? new WatchdogOnly(windowMs, fires, firing) : null;
        }
    }

    /** Per-DP-unit columns; {@code instance[i]} indexes {@code instances}. */
    record Units(PrefillUnits prefill, @Nullable DecodeUnits decode) {
    }

    /**
     * @param available {@code C_avail}
     * @param inflight  {@code T_inflight}
     * @param backlog   {@code Q_device}
     * @param prefixLookup prompt tokens of requests with prefix block hashes placed on the unit since start
     * @param prefixHit    of those, the tokens the cache view predicted cached there
     */
    record PrefillUnits(List<Instance> instances, int[] instance, int[] rank, long[] available, long[] inflight,
            long[] backlog, long[] prefixLookup, long[] prefixHit) {
    }

    /**
     * @param batch  {@code b}
     * @param kv     {@code k}, KV load in tokens
     * @param masked above {@code θ}; false for units the allocator does not weigh (a suspect instance's)
     */
    record DecodeUnits(List<Instance> instances, int[] instance, int[] rank, int[] batch, long[] kv,
            boolean[] masked) {
    }

    /**
     * The frame of {@code snapshot}, with the stored policy record, this node's leadership and degraded mode,
     * the request figures and the readiness decisions.
     */
    static LiveFrame of(LoopSnapshot snapshot, PolicyRecord record, Leadership.Status leader, boolean degraded,
            RequestWindow.Figures requests, Readiness readiness, long atMs) {
        List<LoopSnapshot.UnitView> prefill = new ArrayList<>();
        List<LoopSnapshot.UnitView> decode = new ArrayList<>();
        for (LoopSnapshot.UnitView u : snapshot.units()) {
            (u.phase() == Phase.PREFILL ? prefill : decode).add(u);
        }
        double kappa = snapshot.activePolicy().iqrKappa();
        long[] weighed = weighedKv(decode);
        KvBand band = KvBand.of(weighed, kappa);
        Summary summary = new Summary(atMs, snapshot.policy(), record.version(), record.actor(),
                snapshot.activePolicy().pinnedInterval().toNanos() / 1e6, leader, degraded, requests.requests(), requests.qps(),
                requests.ttftP50Ms(), requests.ttftP99Ms(), snapshot.buffered(), snapshot.overloaded(),
                Double.isNaN(snapshot.chunkUtilization()) ? null : snapshot.chunkUtilization(),
                PhaseFigures.of(snapshot.prefill()), PhaseFigures.ofNullable(snapshot.decode()), band);
        return new LiveFrame(summary, new Units(prefillUnits(prefill),
                decode.isEmpty() ? null : decodeUnits(decode, band, weighed.length < decode.size())), readiness);
    }

    /** The frame without the per-unit columns. */
    LiveFrame withoutUnits() {
        return units == null ? this : new LiveFrame(summary, null, readiness);
    }

    // the allocator weighs the units of healthy instances, and those of the suspects only when none is healthy
    private static long[] weighedKv(List<LoopSnapshot.UnitView> decode) {
        boolean anyHealthy = decode.stream().anyMatch(u -> !u.suspect());
        return decode.stream().filter(u -> !anyHealthy || !u.suspect()).mapToLong(LoopSnapshot.UnitView::kvTokens)
                .toArray();
    }

    private static PrefillUnits prefillUnits(List<LoopSnapshot.UnitView> units) {
        Map<String, Integer> index = new LinkedHashMap<>();
        List<Instance> instances = new ArrayList<>();
        int n = units.size();
        int[] instance = new int[n];
        int[] rank = new int[n];
        long[] available = new long[n];
        long[] inflight = new long[n];
        long[] backlog = new long[n];
        long[] lookup = new long[n];
        long[] hit = new long[n];
        for (int i = 0; i < n; i++) {
            LoopSnapshot.UnitView u = units.get(i);
            instance[i] = indexOf(u, index, instances);
            rank[i] = u.dpRank();
            available[i] = u.availableTokens();
            inflight[i] = u.inflightTokens();
            backlog[i] = u.backlogTokens();
            lookup[i] = u.prefixLookupTokens();
            hit[i] = u.prefixHitTokens();
        }
        return new PrefillUnits(instances, instance, rank, available, inflight, backlog, lookup, hit);
    }

    private static DecodeUnits decodeUnits(List<LoopSnapshot.UnitView> units, @Nullable KvBand band,
            boolean suspectsLeftOut) {
        Map<String, Integer> index = new LinkedHashMap<>();
        List<Instance> instances = new ArrayList<>();
        int n = units.size();
        int[] instance = new int[n];
        int[] rank = new int[n];
        int[] batch = new int[n];
        long[] kv = new long[n];
        boolean[] masked = new boolean[n];
        for (int i = 0; i < n; i++) {
            LoopSnapshot.UnitView u = units.get(i);
            instance[i] = indexOf(u, index, instances);
            rank[i] = u.dpRank();
            batch[i] = u.batchSize();
            kv[i] = u.kvTokens();
            masked[i] = band != null && u.kvTokens() > band.theta() && !(suspectsLeftOut && u.suspect());
        }
        return new DecodeUnits(instances, instance, rank, batch, kv, masked);
    }

    private static int indexOf(LoopSnapshot.UnitView u, Map<String, Integer> index, List<Instance> instances) {
        return index.computeIfAbsent(u.instanceId(), id -> {
            instances.add(new Instance(id, u.suspect()));
            return instances.size() - 1;
        });
    }
}
