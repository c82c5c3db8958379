package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Invariants of the IQR mask and lexicographic decode placement on random decode clusters (1-64 units,
 * uniform or per-unit KV capacity, loads from empty to beyond capacity) and windows (0-300 requests).
 *
 * <p>Each property replays the allocator's decisions in its documented order (longest total first, ties by
 * arrival then id) against its own bookkeeping of {@code (b, k)}, and re-derives the mask from its own
 * quartiles, so a wrong choice shows as the first request where replay and allocator disagree.
 */
@PropertyDefaults(tries = 300, edgeCases = EdgeCasesMode.NONE)
class IqrLexicographicDecodeAllocatorProperties {

    /** One generated decode unit: running batch {@code b}, KV load {@code k}, KV capacity. */
    record UnitSpec(int batch, long kv, long capacity) {
    }

    record Cluster(List<UnitSpec> units) {

        List<DpUnitState> build() {
            List<DpUnitState> out = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) {
                UnitSpec s = units.get(i);
                DpUnitState u = new DpUnitState(new DpUnitId("d", i), Phase.DECODE, 1, s.capacity(), 0);
                u.reportDecode(s.batch(), s.kv(), 0, 0);
                out.add(u);
            }
            return out;
        }
    }

    @Provide
    Arbitrary<Cluster> clusters() {
        Arbitrary<List<UnitSpec>> uniform = Arbitraries.longs().between(20_000, 400_000)
                .flatMap(cap -> unit(Arbitraries.just(cap)).list().ofMinSize(1).ofMaxSize(64)
                        .withSizeDistribution(PrefillArbitraries.UNIFORM));
        Arbitrary<List<UnitSpec>> mixed = unit(Arbitraries.longs().between(20_000, 400_000)).list().ofMinSize(1)
                .ofMaxSize(64).withSizeDistribution(PrefillArbitraries.UNIFORM);
        return Arbitraries.oneOf(uniform, mixed).map(Cluster::new);
    }

    private static Arbitrary<UnitSpec> unit(Arbitrary<Long> capacity) {
        // coarse values make (b, k) ties and identical loads (IQR of zero) common
        Arbitrary<UnitSpec> coarse = Combinators.combine(Arbitraries.integers().between(0, 3), capacity,
                Arbitraries.integers().between(0, 10)).as((b, cap, tenth) -> new UnitSpec(b, cap * tenth / 10, cap));
        Arbitrary<UnitSpec> fine = Combinators.combine(Arbitraries.integers().between(0, 64), capacity,
                Arbitraries.doubles().between(0, 1.05)).as((b, cap, f) -> new UnitSpec(b, (long) (cap * f), cap));
        return Arbitraries.oneOf(coarse, fine);
    }

    @Provide
    Arbitrary<List<InferenceRequest>> windows() {
        Arbitrary<Integer> prompt = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(1, 4_000)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(4_000, 70_000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(1, 1_000, 70_000)));
        Arbitrary<int[]> spec = Combinators.combine(prompt, Arbitraries.integers().between(0, 4_000),
                Arbitraries.integers().between(0, 20)).as((p, o, a) -> new int[] {p, o, a});
        return spec.list().ofMaxSize(300).withSizeDistribution(PrefillArbitraries.UNIFORM).map(specs -> {
            List<InferenceRequest> out = new ArrayList<>();
            for (int i = 0; i < specs.size(); i++) {
                int[] s = specs.get(i);
                // few distinct arrival stamps, so the arrival and id tie-breaks are exercised
                out.add(new InferenceRequest(i, s[0], s[1], s[2]));
            }
            return out;
        });
    }

    /** The allocator's documented processing order, derived here rather than borrowed from the class. */
    private static final Comparator<InferenceRequest> REPLAY_ORDER = Comparator
            .comparingInt((InferenceRequest r) -> -(r.promptTokens() + r.outputTokens()))
            .thenComparingLong(InferenceRequest::arrivalNanos)
            .thenComparingLong(InferenceRequest::id);

    /** {@code Q3 + κ (Q3 - Q1)} with linear interpolation between order statistics. */
    static double theta(long[] values, double kappa) {
        long[] s = values.clone();
        Arrays.sort(s);
        return q(s, 0.75) + kappa * (q(s, 0.75) - q(s, 0.25));
    }

    private static double q(long[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int lo = (int) h;
        return lo + 1 < sorted.length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
    }

    /** Replay state: each unit's {@code (b, k)} and capacity as the window is placed. */
    private static final class Replay {
        final int[] b;
        final long[] k;
        final long[] cap;
        final double theta;

        Replay(List<DpUnitState> units, double kappa) {
            int n = units.size();
            b = new int[n];
            k = new long[n];
            cap = new long[n];
            for (int i = 0; i < n; i++) {
                b[i] = units.get(i).batchSize();
                k[i] = units.get(i).kvTokens();
                cap[i] = units.get(i).kvCapacity();
            }
            theta = theta(k, kappa);
        }

        boolean hasMemory(int i, long need) {
            return k[i] + need <= cap[i];
        }

        boolean unmasked(int i, long need) {
            return hasMemory(i, need) && k[i] + need <= theta;
        }

        boolean anyUnmasked(long need) {
            for (int i = 0; i < k.length; i++) {
                if (unmasked(i, need)) {
                    return true;
                }
            }
            return false;
        }

        boolean anyMemory(long need) {
            for (int i = 0; i < k.length; i++) {
                if (hasMemory(i, need)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether unit {@code i} comes before unit {@code j} in {@code (b, k, index)} order. */
        boolean before(int i, int j) {
            return b[i] != b[j] ? b[i] < b[j] : k[i] != k[j] ? k[i] < k[j] : i < j;
        }

        /** The unit the documented rule picks, or -1. */
        int expectedChoice(long need) {
            boolean masking = anyUnmasked(need);
            int best = -1;
            for (int i = 0; i < k.length; i++) {
                boolean eligible = masking ? unmasked(i, need) : hasMemory(i, need);
                if (eligible && (best < 0 || before(i, best))) {
                    best = i;
                }
            }
            return best;
        }

        void take(int i, long need) {
            b[i]++;
            k[i] += need;
        }
    }

    private static Map<Long, Integer> placedRank(Allocation a) {
        Map<Long, Integer> at = new HashMap<>();
        for (Assignment x : a.placed()) {
            at.put(x.request().id(), x.unit().dpRank());
        }
        return at;
    }

    private static List<InferenceRequest> replayOrder(List<InferenceRequest> window) {
        List<InferenceRequest> order = new ArrayList<>(window);
        order.sort(REPLAY_ORDER);
        return order;
    }

    @Property
    void neverPendingWhileSomeUnitHasMemory(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") List<InferenceRequest> window, @ForAll @IntRange(max = 30) int kappaTenths) {
        List<DpUnitState> units = cluster.build();
        double kappa = kappaTenths / 10.0;
        Allocation a = new IqrLexicographicDecodeAllocator(kappa).allocate(window, units);
        Replay replay = new Replay(units, kappa);
        Map<Long, Integer> at = placedRank(a);
        for (InferenceRequest r : replayOrder(window)) {
            long need = r.totalTokens();
            Integer unit = at.get(r.id());
            boolean memory = replay.anyMemory(need);
            Statistics.label("mask lifted").collect(memory && !replay.anyUnmasked(need));
            if (unit == null) {
                assertThat(memory).as("request %d pending although a unit had memory for %d tokens", r.id(), need)
                        .isFalse();
            } else {
                replay.take(unit, need);
            }
        }
        Statistics.label("mask lifted").coverage(c -> c.check(true).count(n -> n > 0));
    }

    @Property
    void noUnitExceedsItsKvCapacity(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") List<InferenceRequest> window, @ForAll @IntRange(max = 30) int kappaTenths) {
        List<DpUnitState> units = cluster.build();
        Allocation a = new IqrLexicographicDecodeAllocator(kappaTenths / 10.0).allocate(window, units);
        Map<DpUnitId, Long> added = new HashMap<>();
        for (Assignment x : a.placed()) {
            added.merge(x.unit(), (long) x.request().totalTokens(), Long::sum);
        }
        for (DpUnitState u : units) {
            long extra = added.getOrDefault(u.id(), 0L);
            if (extra > 0) {
                assertThat(u.kvTokens() + extra).as("KV on %s", u.id()).isLessThanOrEqualTo(u.kvCapacity());
            }
        }
    }

    /** Masked units (KV past θ after taking the request, or no memory) get the request only when all are. */
    @Property
    void choiceRespectsTheMaskAndMemory(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") List<InferenceRequest> window, @ForAll @IntRange(max = 30) int kappaTenths) {
        List<DpUnitState> units = cluster.build();
        double kappa = kappaTenths / 10.0;
        Allocation a = new IqrLexicographicDecodeAllocator(kappa).allocate(window, units);
        Replay replay = new Replay(units, kappa);
        Map<Long, Integer> at = placedRank(a);
        for (InferenceRequest r : replayOrder(window)) {
            long need = r.totalTokens();
            Integer chosen = at.get(r.id());
            if (chosen == null) {
                continue;
            }
            assertThat(replay.hasMemory(chosen, need)).as("request %d put on unit %d without memory", r.id(), chosen)
                    .isTrue();
            if (replay.anyUnmasked(need)) {
                assertThat(replay.unmasked(chosen, need)).as("request %d put on masked unit %d (k=%d, θ=%.1f)",
                        r.id(), chosen, replay.k[chosen], replay.theta).isTrue();
            }
            replay.take(chosen, need);
        }
    }

    /**
     * At the moment of each choice, among the units the mask leaves open (KV after taking the request at
     * most θ, and memory for it), the chosen one is the lexicographic minimum of {@code (b, k)}, ties to the
     * earlier unit; when the mask leaves none open, among all units with memory.
     */
    @Property
    void choiceIsLexicographicallyMinimalAmongUnmaskedUnits(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") List<InferenceRequest> window, @ForAll @IntRange(max = 30) int kappaTenths) {
        double kappa = kappaTenths / 10.0;
        List<DpUnitState> units = cluster.build();
        Allocation a = new IqrLexicographicDecodeAllocator(kappa).allocate(window, units);
        Replay replay = new Replay(units, kappa);
        Map<Long, Integer> at = placedRank(a);
        for (InferenceRequest r : replayOrder(window)) {
            long need = r.totalTokens();
            Integer chosen = at.get(r.id());
            if (chosen == null) {
                continue;
            }
            boolean masking = replay.anyUnmasked(need);
            for (int i = 0; i < units.size(); i++) {
                boolean eligible = masking ? replay.unmasked(i, need) : replay.hasMemory(i, need);
                if (eligible && i != chosen) {
                    assertThat(replay.before(chosen, i))
                            .as("request %d (%d tokens): unit %d (b=%d, k=%d) beats chosen unit %d (b=%d, k=%d)",
                                    r.id(), need, i, replay.b[i], replay.k[i], chosen, replay.b[chosen], replay.k[chosen])
                            .isTrue();
                }
            }
            replay.take(chosen, need);
        }
    }

    /** The whole decision sequence equals the documented rule, request by request. */
    @Property
    void placementEqualsTheDocumentedRule(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") List<InferenceRequest> window, @ForAll @IntRange(max = 30) int kappaTenths) {
        List<DpUnitState> units = cluster.build();
        double kappa = kappaTenths / 10.0;
        Allocation a = new IqrLexicographicDecodeAllocator(kappa).allocate(window, units);
        Replay replay = new Replay(units, kappa);
        List<Assignment> expectedPlaced = new ArrayList<>();
        List<InferenceRequest> expectedPending = new ArrayList<>();
        for (InferenceRequest r : replayOrder(window)) {
            int best = replay.expectedChoice(r.totalTokens());
            if (best < 0) {
                expectedPending.add(r);
            } else {
                expectedPlaced.add(new Assignment(r, units.get(best).id()));
                replay.take(best, r.totalTokens());
            }
        }
        assertThat(a.placed()).containsExactlyElementsOf(expectedPlaced);
        assertThat(a.pending()).containsExactlyElementsOf(expectedPending);
    }

    @Property
    void everyRequestIsPlacedOrPendingExactlyOnce(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") List<InferenceRequest> window) {
        Allocation a = new IqrLexicographicDecodeAllocator(1.5).allocate(window, cluster.build());
        List<InferenceRequest> out = new ArrayList<>();
        a.placed().forEach(x -> out.add(x.request()));
        out.addAll(a.pending());
        assertThat(out).containsExactlyInAnyOrderElementsOf(window);
        Set<Long> ids = new HashSet<>();
        out.forEach(r -> assertThat(ids.add(r.id())).as("request %d twice", r.id()).isTrue());
    }

    @Property
    void sameInputSameOutput_evenOnAFreshInstance_andUnitsUntouched(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") List<InferenceRequest> window) {
        List<DpUnitState> units = cluster.build();
        String before = units.toString();
        IqrLexicographicDecodeAllocator allocator = new IqrLexicographicDecodeAllocator(1.5);
        Allocation first = allocator.allocate(window, units);
        Allocation again = allocator.allocate(window, units);
        Allocation fresh = new IqrLexicographicDecodeAllocator(1.5).allocate(new ArrayList<>(window), cluster.build());
        assertThat(again).isEqualTo(first);
        assertThat(fresh).isEqualTo(first);
        assertThat(units).hasToString(before);
    }
}
