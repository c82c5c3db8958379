package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.PrefillArbitraries.Cluster;
import io.sbs.core.PrefillArbitraries.Window;
import java.util.ArrayList;
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
import net.jqwik.api.statistics.Statistics;

/**
 * Invariants of cache-aware PBAA ({@link CacheAwarePrefillAllocator}) on random clusters whose units hold
 * random prefixes of a few prompt families, and windows whose prompts share a random number of leading
 * blocks with one family.
 *
 * <p>Starvation prevention holds here only in the weak form (see {@link WaterFillingPrefillAllocatorProperties}):
 * a carried-over request that the imbalance guard keeps off the narrow unit holding its prefix falls back to
 * the widest unit, and is pending if it does not fit there, even when the narrow unit could have held it;
 * a fresh request may take that unit later. {@code CacheAwarePrefillAllocatorTest} has the example.
 */
@PropertyDefaults(tries = 300, edgeCases = EdgeCasesMode.NONE)
class CacheAwarePrefillAllocatorProperties {

    /** One generated case: block size, imbalance guard, cluster and window. */
    record Case(int blockTokens, double guard, Cluster cluster, Window window) {

        CacheAwarePrefillAllocator allocator() {
            return new CacheAwarePrefillAllocator(blockTokens, guard);
        }

        Allocation allocate(List<DpUnitState> units) {
            return allocator().allocate(window.carried(), window.fresh(), units);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Double> guard = Arbitraries.oneOf(Arbitraries.of(0.0, 0.5, 1.0), Arbitraries.doubles().between(0, 1));
        return Arbitraries.of(64, 256, 512).flatMap(block -> Combinators.combine(guard, PrefillArbitraries.clusters(),
                PrefillArbitraries.windows(block)).as((g, c, w) -> new Case(block, g, c, w)));
    }

    private static final Comparator<InferenceRequest> LONGEST_FIRST = Comparator
            .comparingInt((InferenceRequest r) -> -r.promptTokens())
            .thenComparingLong(InferenceRequest::arrivalNanos)
            .thenComparingLong(InferenceRequest::id);

    private static List<InferenceRequest> decisionOrder(Window w) {
        List<InferenceRequest> order = new ArrayList<>(w.carried());
        List<InferenceRequest> fresh = new ArrayList<>(w.fresh());
        fresh.sort(LONGEST_FIRST);
        order.addAll(fresh);
        return order;
    }

    /** Tokens left to compute on the unit, as charged to the pass: re-derived from the cached prefix. */
    private static long cost(InferenceRequest r, DpUnitState u, int blockTokens) {
        long hit = (long) u.cachedPrefixBlocks(r.blockHashes()) * blockTokens;
        long uncached = Math.max(1, r.promptTokens() - hit);
        return u.passCost((int) uncached);
    }

    private static Map<DpUnitId, Integer> indexOf(List<DpUnitState> units) {
        Map<DpUnitId, Integer> index = new HashMap<>();
        for (int i = 0; i < units.size(); i++) {
            index.put(units.get(i).id(), i);
        }
        return index;
    }

    private static int widest(long[] room) {
        int w = -1;
        for (int i = 0; i < room.length; i++) {
            if (w < 0 || room[i] > room[w]) {
                w = i;
            }
        }
        return w < 0 || room[w] <= 0 ? -1 : w;
    }

    @Property
    void noUnitIsChargedBeyondItsAvailableCapacity(@ForAll("cases") Case c) {
        List<DpUnitState> units = c.cluster().build();
        Allocation a = c.allocate(units);
        Map<DpUnitId, Integer> index = indexOf(units);
        long[] charged = new long[units.size()];
        for (Assignment x : a.placed()) {
            int i = index.get(x.unit());
            charged[i] += cost(x.request(), units.get(i), c.blockTokens());
            Statistics.label("placed on a cache hit").collect(units.get(i).cachedPrefixBlocks(x.request().blockHashes()) > 0);
        }
        for (int i = 0; i < units.size(); i++) {
            DpUnitState u = units.get(i);
            if (u.availableCapacity() <= 0) {
                assertThat(charged[i]).as("cost placed on %s, which has no room", u).isZero();
            } else {
                assertThat(charged[i]).as("cost placed on %s", u).isLessThanOrEqualTo(u.availableCapacity());
            }
        }
        Statistics.label("placed on a cache hit").coverage(k -> k.check(true).count(n -> n > 0));
    }

    @Property
    void everyRequestIsPlacedOrPendingExactlyOnce(@ForAll("cases") Case c) {
        Allocation a = c.allocate(c.cluster().build());
        List<InferenceRequest> out = new ArrayList<>();
        a.placed().forEach(x -> out.add(x.request()));
        out.addAll(a.pending());
        List<InferenceRequest> in = new ArrayList<>(c.window().carried());
        in.addAll(c.window().fresh());
        assertThat(out).containsExactlyInAnyOrderElementsOf(in);
        Set<Long> ids = new HashSet<>();
        out.forEach(r -> assertThat(ids.add(r.id())).as("request %d twice", r.id()).isTrue());
    }

    @Property
    void pendingCarriedOverKeepTheirFcfsOrder_andLeadThePendingList(@ForAll("cases") Case c) {
        Allocation a = c.allocate(c.cluster().build());
        Set<InferenceRequest> pending = new HashSet<>(a.pending());
        List<InferenceRequest> carriedPending = c.window().carried().stream().filter(pending::contains).toList();
        assertThat(a.pending().subList(0, carriedPending.size())).containsExactlyElementsOf(carriedPending);
        Set<InferenceRequest> carried = new HashSet<>(c.window().carried());
        assertThat(a.pending().subList(carriedPending.size(), a.pending().size())).noneMatch(carried::contains);
    }

    /**
     * Weak starvation prevention: a fresh request placed while a carried-over one waits costs, on its unit,
     * less than the carried-over one cost on the widest unit when its turn came.
     */
    @Property
    void freshPlacedWhileCarriedOverWaits_costsLessThanItsRefusedCost(@ForAll("cases") Case c) {
        List<DpUnitState> units = c.cluster().build();
        Allocation a = c.allocate(units);
        Map<Long, DpUnitId> at = new HashMap<>();
        a.placed().forEach(x -> at.put(x.request().id(), x.unit()));
        Map<DpUnitId, Integer> index = indexOf(units);
        long[] room = units.stream().mapToLong(DpUnitState::availableCapacity).toArray();
        Set<InferenceRequest> carried = new HashSet<>(c.window().carried());
        long refused = Long.MAX_VALUE;
        for (InferenceRequest r : decisionOrder(c.window())) {
            DpUnitId unit = at.get(r.id());
            if (unit == null) {
                if (carried.contains(r)) {
                    int w = widest(room);
                    refused = Math.min(refused, w < 0 ? 1 : cost(r, units.get(w), c.blockTokens()));
                }
                continue;
            }
            int i = index.get(unit);
            long cost = cost(r, units.get(i), c.blockTokens());
            if (!carried.contains(r)) {
                assertThat(cost).as("fresh %s placed on %s while a carried-over request waits", r, unit)
                        .isLessThan(refused);
            }
            room[i] -= cost;
        }
    }

    /**
     * The outcome equals the documented rule, replayed here: among units with a cached prefix of the
     * prompt, room at least {@code guard} times the widest unit's, and room for the cost, the longest
     * prefix wins, then the larger room, then the earlier unit; without such a unit the widest unit takes
     * it if the cost fits; otherwise it is pending.
     */
    @Property
    void placementEqualsTheDocumentedRule(@ForAll("cases") Case c) {
        List<DpUnitState> units = c.cluster().build();
        Allocation a = c.allocate(units);
        long[] room = units.stream().mapToLong(DpUnitState::availableCapacity).toArray();
        List<Assignment> placed = new ArrayList<>();
        List<InferenceRequest> pending = new ArrayList<>();
        for (InferenceRequest r : decisionOrder(c.window())) {
            int w = widest(room);
            int chosen = -1;
            if (w >= 0) {
                int bestHit = 0;
                for (int i = 0; i < units.size(); i++) {
                    int hit = units.get(i).cachedPrefixBlocks(r.blockHashes());
                    boolean eligible = hit > 0 && room[i] >= c.guard() * room[w]
                            && cost(r, units.get(i), c.blockTokens()) <= room[i];
                    if (eligible && (hit > bestHit || (hit == bestHit && room[i] > room[chosen]))) {
                        chosen = i;
                        bestHit = hit;
                    }
                }
                if (chosen < 0 && cost(r, units.get(w), c.blockTokens()) <= room[w]) {
                    chosen = w;
                }
                if (chosen < 0) {
                    // nothing fits the widest: any unit the cost fits, best hit first, then most room
                    int fallbackHit = -1;
                    for (int i = 0; i < units.size(); i++) {
                        if (room[i] <= 0 || cost(r, units.get(i), c.blockTokens()) > room[i]) {
                            continue;
                        }
                        int hit = units.get(i).cachedPrefixBlocks(r.blockHashes());
                        if (hit > fallbackHit || (hit == fallbackHit && room[i] > room[chosen])) {
                            chosen = i;
                            fallbackHit = hit;
                        }
                    }
                }
            }
            if (chosen < 0) {
                pending.add(r);
            } else {
                room[chosen] -= cost(r, units.get(chosen), c.blockTokens());
                placed.add(new Assignment(r, units.get(chosen).id()));
            }
        }
        assertThat(a.placed()).containsExactlyElementsOf(placed);
        assertThat(a.pending()).containsExactlyElementsOf(pending);
    }

    @Property
    void sameInputSameOutput_evenOnAFreshInstance_andUnitsUntouched(@ForAll("cases") Case c) {
        List<DpUnitState> units = c.cluster().build();
        String before = units.toString();
        CacheAwarePrefillAllocator allocator = c.allocator();
        Allocation first = allocator.allocate(c.window().carried(), c.window().fresh(), units);
        Allocation again = allocator.allocate(c.window().carried(), c.window().fresh(), units);
        Allocation fresh = c.allocate(c.cluster().build());
        assertThat(again).isEqualTo(first);
        assertThat(fresh).isEqualTo(first);
        assertThat(units).hasToString(before);
    }
}
