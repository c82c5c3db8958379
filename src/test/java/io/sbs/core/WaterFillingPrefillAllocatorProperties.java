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
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Invariants of PBAA water filling ({@link WaterFillingPrefillAllocator}) on random clusters and windows.
 *
 * <p>Starvation prevention, as it holds for the algorithm as written. Greedy water filling puts a
 * carried-over request only on the unit with the most room when its turn comes, and every carried-over
 * turn comes before every fresh one. So when a carried-over request {@code c} is left pending, it did not
 * fit the widest unit {@code w} at its turn, and no fresh request placed later can cost, on its unit, as
 * much as {@code c} costs on {@code w} (rooms only shrink):
 * {@link #freshPlacedWhileCarriedOverWaits_costsLessThanItsRefusedPassCost}.
 * When all units share one {@code C_max} a prompt costs the same everywhere, and that becomes the strong
 * form ({@link #carriedOverNeverPendingWhileEqualOrCostlierFreshTookRoomItFitted}). With mixed {@code C_max}
 * the strong form does not hold: see {@code WaterFillingPrefillAllocatorTest} (the disabled
 * {@code allocate_mixedChunkCapacities_carriedOverFitsNarrowUnit_isPlaced}).
 */
@PropertyDefaults(tries = 300, edgeCases = EdgeCasesMode.NONE)
class WaterFillingPrefillAllocatorProperties {

    private static final Comparator<InferenceRequest> LONGEST_FIRST = Comparator
            .comparingInt((InferenceRequest r) -> -r.promptTokens())
            .thenComparingLong(InferenceRequest::arrivalNanos)
            .thenComparingLong(InferenceRequest::id);

    @Provide
    Arbitrary<Cluster> clusters() {
        return PrefillArbitraries.clusters();
    }

    @Provide
    Arbitrary<Cluster> uniformChunkClusters() {
        return PrefillArbitraries.uniformChunkClusters();
    }

    @Provide
    Arbitrary<Window> windows() {
        return PrefillArbitraries.windows();
    }

    private static Allocation allocate(Cluster cluster, Window w) {
        return new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), cluster.build());
    }

    private static Map<DpUnitId, Integer> indexOf(List<DpUnitState> units) {
        Map<DpUnitId, Integer> index = new HashMap<>();
        for (int i = 0; i < units.size(); i++) {
            index.put(units.get(i).id(), i);
        }
        return index;
    }

    /** The order the allocator decides in: carried-over as given, then fresh longest first. */
    private static List<InferenceRequest> decisionOrder(Window w) {
        List<InferenceRequest> order = new ArrayList<>(w.carried());
        List<InferenceRequest> fresh = new ArrayList<>(w.fresh());
        fresh.sort(LONGEST_FIRST);
        order.addAll(fresh);
        return order;
    }

    private static int widest(long[] room) {
        int w = -1;
        for (int i = 0; i < room.length; i++) {
            if (room[i] > 0 && (w < 0 || room[i] > room[w])) {
                w = i;
            }
        }
        return w;
    }

    @Property
    void noUnitReceivesMorePassCostThanItsAvailableCapacity(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") Window w) {
        List<DpUnitState> units = cluster.build();
        Allocation a = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), units);
        Map<DpUnitId, Integer> index = indexOf(units);
        Map<DpUnitId, Long> charged = new HashMap<>();
        for (Assignment x : a.placed()) {
            DpUnitState u = units.get(index.get(x.unit()));
            charged.merge(x.unit(), (long) u.passCost(x.request().promptTokens()), Long::sum);
        }
        for (DpUnitState u : units) {
            long cost = charged.getOrDefault(u.id(), 0L);
            if (u.availableCapacity() <= 0) {
                assertThat(cost).as("pass cost placed on %s, which has no room", u).isZero();
            } else {
                assertThat(cost).as("pass cost placed on %s", u).isLessThanOrEqualTo(u.availableCapacity());
            }
        }
    }

    @Property
    void everyRequestIsPlacedOrPendingExactlyOnce(@ForAll("clusters") Cluster cluster, @ForAll("windows") Window w) {
        Allocation a = allocate(cluster, w);
        List<InferenceRequest> out = new ArrayList<>();
        a.placed().forEach(x -> out.add(x.request()));
        out.addAll(a.pending());
        List<InferenceRequest> in = new ArrayList<>(w.carried());
        in.addAll(w.fresh());
        assertThat(out).containsExactlyInAnyOrderElementsOf(in);
        Set<Long> ids = new HashSet<>();
        out.forEach(r -> assertThat(ids.add(r.id())).as("request %d twice", r.id()).isTrue());
    }

    @Property
    void pendingCarriedOverKeepTheirFcfsOrder_andLeadThePendingList(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") Window w) {
        Allocation a = allocate(cluster, w);
        Set<InferenceRequest> pending = new HashSet<>(a.pending());
        List<InferenceRequest> carriedPending = w.carried().stream().filter(pending::contains).toList();
        Statistics.label("carried-over left pending").collect(!carriedPending.isEmpty());
        assertThat(a.pending().subList(0, carriedPending.size())).containsExactlyElementsOf(carriedPending);
        Set<InferenceRequest> carried = new HashSet<>(w.carried());
        assertThat(a.pending().subList(carriedPending.size(), a.pending().size())).noneMatch(carried::contains);
    }

    /** Weak starvation prevention, true on every cluster: see the class comment. */
    @Property
    void freshPlacedWhileCarriedOverWaits_costsLessThanItsRefusedPassCost(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") Window w) {
        List<DpUnitState> units = cluster.build();
        Allocation a = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), units);
        Map<Long, DpUnitId> at = new HashMap<>();
        a.placed().forEach(x -> at.put(x.request().id(), x.unit()));
        Map<DpUnitId, Integer> index = indexOf(units);
        long[] room = units.stream().mapToLong(DpUnitState::availableCapacity).toArray();
        Set<Long> carriedIds = new HashSet<>();
        w.carried().forEach(r -> carriedIds.add(r.id()));
        long refusedCost = Long.MAX_VALUE;
        long refusedId = -1;
        for (InferenceRequest r : decisionOrder(w)) {
            DpUnitId unit = at.get(r.id());
            if (unit == null) {
                if (carriedIds.contains(r.id())) {
                    int wi = widest(room);
                    long cost = wi < 0 ? 1 : units.get(wi).passCost(r.promptTokens());
                    if (cost < refusedCost) {
                        refusedCost = cost;
                        refusedId = r.id();
                    }
                }
                continue;
            }
            int i = index.get(unit);
            long cost = units.get(i).passCost(r.promptTokens());
            if (!carriedIds.contains(r.id())) {
                Statistics.label("fresh placed while a carried-over waits").collect(refusedId >= 0);
                assertThat(cost).as("fresh %d placed on %s at cost %d while carried-over %d waits, refused at %d",
                        r.id(), unit, cost, refusedId, refusedCost).isLessThan(refusedCost);
            }
            room[i] -= cost;
        }
    }

    /** Strong starvation prevention, true when all units share one {@code C_max}: see the class comment. */
    @Property
    void carriedOverNeverPendingWhileEqualOrCostlierFreshTookRoomItFitted(
            @ForAll("uniformChunkClusters") Cluster cluster, @ForAll("windows") Window w) {
        List<DpUnitState> units = cluster.build();
        Allocation a = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), units);
        Map<Long, DpUnitId> at = new HashMap<>();
        a.placed().forEach(x -> at.put(x.request().id(), x.unit()));
        Map<DpUnitId, Integer> index = indexOf(units);
        long[] room = units.stream().mapToLong(DpUnitState::availableCapacity).toArray();
        Set<Long> carriedIds = new HashSet<>();
        w.carried().forEach(r -> carriedIds.add(r.id()));
        // for each carried-over request left pending: the rooms when its turn came
        Map<InferenceRequest, long[]> waiting = new HashMap<>();
        for (InferenceRequest r : decisionOrder(w)) {
            DpUnitId unit = at.get(r.id());
            if (unit == null) {
                if (carriedIds.contains(r.id())) {
                    waiting.put(r, room.clone());
                }
                continue;
            }
            int i = index.get(unit);
            DpUnitState u = units.get(i);
            if (!carriedIds.contains(r.id())) {
                for (Map.Entry<InferenceRequest, long[]> c : waiting.entrySet()) {
                    int cCost = u.passCost(c.getKey().promptTokens());
                    if (u.passCost(r.promptTokens()) >= cCost) {
                        assertThat(c.getValue()[i]).as("carried-over %s waits although %s had room %d for it before "
                                + "fresh %s took it", c.getKey(), u.id(), c.getValue()[i], r).isLessThan(cCost);
                    }
                }
            }
            room[i] -= u.passCost(r.promptTokens());
        }
    }

    @Property
    void carriedOverAreDecidedBeforeAnyFreshRequest(@ForAll("clusters") Cluster cluster, @ForAll("windows") Window w) {
        Allocation a = allocate(cluster, w);
        Set<InferenceRequest> carried = new HashSet<>(w.carried());
        boolean freshSeen = false;
        for (Assignment x : a.placed()) {
            if (carried.contains(x.request())) {
                assertThat(freshSeen).as("carried-over %s placed after a fresh request", x.request()).isFalse();
            } else {
                freshSeen = true;
            }
        }
    }

    /**
     * The whole outcome equals the documented rule, replayed here: in decision order, each request goes to
     * the unit with the most room left (ties to the earlier unit) if its pass cost fits there whole, and is
     * pending otherwise.
     */
    @Property
    void placementEqualsTheDocumentedWaterFillingRule(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") Window w) {
        List<DpUnitState> units = cluster.build();
        Allocation a = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), units);
        long[] room = units.stream().mapToLong(DpUnitState::availableCapacity).toArray();
        List<Assignment> placed = new ArrayList<>();
        List<InferenceRequest> pending = new ArrayList<>();
        for (InferenceRequest r : decisionOrder(w)) {
            int wi = widest(room);
            if (wi >= 0 && units.get(wi).passCost(r.promptTokens()) > room[wi]) {
                // the widest cannot take it: the unit with the most room that its pass cost fits
                wi = -1;
                for (int i = 0; i < room.length; i++) {
                    if (room[i] > 0 && units.get(i).passCost(r.promptTokens()) <= room[i] && (wi < 0 || room[i] > room[wi])) {
                        wi = i;
                    }
                }
            }
            if (wi < 0) {
                pending.add(r);
            } else {
                room[wi] -= units.get(wi).passCost(r.promptTokens());
                placed.add(new Assignment(r, units.get(wi).id()));
            }
        }
        assertThat(a.placed()).containsExactlyElementsOf(placed);
        assertThat(a.pending()).containsExactlyElementsOf(pending);
    }

    /**
     * The saturation fill ({@code splitAll}) may start a prompt in partial room, so pass cost can exceed
     * {@code C_avail}; what still holds: nothing goes to a unit without room, each placement finds room
     * left, every request is decided once and pending carried-over keep their order.
     */
    @Property
    void splitAll_placesOnlyWhereRoomIsLeft(@ForAll("clusters") Cluster cluster, @ForAll("windows") Window w) {
        List<DpUnitState> units = cluster.build();
        Allocation a = new WaterFillingPrefillAllocator(true).allocate(w.carried(), w.fresh(), units);
        Map<DpUnitId, Integer> index = indexOf(units);
        long[] room = units.stream().mapToLong(DpUnitState::availableCapacity).toArray();
        for (Assignment x : a.placed()) {
            int i = index.get(x.unit());
            assertThat(room[i]).as("room left on %s when %s was put there", x.unit(), x.request()).isPositive();
            room[i] -= Math.min(room[i], units.get(i).passCost(x.request().promptTokens()));
        }
        assertThat(a.placed().size() + a.pending().size()).isEqualTo(w.size());
        Set<InferenceRequest> pending = new HashSet<>(a.pending());
        List<InferenceRequest> carriedPending = w.carried().stream().filter(pending::contains).toList();
        assertThat(a.pending().subList(0, carriedPending.size())).containsExactlyElementsOf(carriedPending);
        if (!a.pending().isEmpty()) {
            assertThat(java.util.Arrays.stream(room).max().orElse(0)).as("room left although %s is pending",
                    a.pending().get(0)).isNotPositive();
        }
    }

    @Property
    void sameInputSameOutput_evenOnAFreshInstance_andUnitsUntouched(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") Window w) {
        List<DpUnitState> units = cluster.build();
        String before = units.toString();
        WaterFillingPrefillAllocator allocator = new WaterFillingPrefillAllocator();
        Allocation first = allocator.allocate(w.carried(), w.fresh(), units);
        Allocation again = allocator.allocate(w.carried(), w.fresh(), units);
        Allocation fresh = new WaterFillingPrefillAllocator().allocate(new ArrayList<>(w.carried()),
                new ArrayList<>(w.fresh()), cluster.build());
        assertThat(again).isEqualTo(first);
        assertThat(fresh).isEqualTo(first);
        assertThat(units).hasToString(before);
    }
}
