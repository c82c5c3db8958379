package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of PBAA water filling on random clusters and windows. */
class WaterFillingPrefillAllocatorProperties {

    /** A cluster: per unit {C_max, in-flight, backlog}. */
    record Cluster(List<long[]> units) {
        @Override
        public String toString() {
            return java.util.Arrays.deepToString(units.toArray());
        }

        List<DpUnitState> build() {
            List<DpUnitState> out = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) {
                long[] u = units.get(i);
                DpUnitState s = new DpUnitState(new DpUnitId("p", i), Phase.PREFILL, (int) u[0], Long.MAX_VALUE, 0);
                s.dispatchPrefill((int) u[1], false);
                s.reportBacklog(u[2]);
                out.add(s);
            }
            return out;
        }
    }

    record Window(List<InferenceRequest> carried, List<InferenceRequest> fresh) {
    }

    @Provide
    Arbitrary<Cluster> clusters() {
        Arbitrary<long[]> unit = Combinators.combine(Arbitraries.integers().between(256, 16_384),
                Arbitraries.integers().between(1, 20_000), Arbitraries.integers().between(0, 20_000),
                Arbitraries.integers().between(0, 3))
                // a quarter of units are idle (no in-flight, no backlog)
                .as((c, in, b, idle) -> idle == 0 ? new long[] {c, 1, 0} : new long[] {c, in, b});
        return unit.list().ofMinSize(1).ofMaxSize(64).map(Cluster::new);
    }

    @Provide
    Arbitrary<Window> windows() {
        Arbitrary<Integer> length = Arbitraries.integers().between(1, 70_000).edgeCases(e -> e.includeOnly(1, 70_000));
        return Combinators.combine(length.list().ofMaxSize(60), length.list().ofMaxSize(240)).as((c, f) -> {
            List<InferenceRequest> carried = new ArrayList<>();
            long id = 0;
            for (int len : c) {
                carried.add(new InferenceRequest(id, len, 10, id));
                id++;
            }
            List<InferenceRequest> fresh = new ArrayList<>();
            for (int len : f) {
                fresh.add(new InferenceRequest(id, len, 10, id));
                id++;
            }
            return new Window(carried, fresh);
        });
    }

    @Property(tries = 300)
    void noUnitReceivesMoreThanItsAvailableCapacity(@ForAll("clusters") Cluster cluster, @ForAll("windows") Window w) {
        List<DpUnitState> units = cluster.build();
        Allocation a = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), units);
        Map<DpUnitId, Long> charged = new HashMap<>();
        for (Assignment x : a.placed()) {
            charged.merge(x.unit(), 1L, Long::sum);
        }
        for (DpUnitState u : units) {
            long placedHere = charged.getOrDefault(u.id(), 0L);
            if (u.availableCapacity() <= 0) {
                assertThat(placedHere).as("nothing on a unit without room").isZero();
            }
        }
        // replay the charges: each placement costs min(len, room left) and never exceeds the room
        Map<DpUnitId, Long> room = new HashMap<>();
        for (DpUnitState u : units) {
            room.put(u.id(), u.availableCapacity());
        }
        for (Assignment x : a.placed()) {
            long left = room.get(x.unit());
            assertThat(left).isPositive();
            room.put(x.unit(), left - Math.min(x.request().promptTokens(), Math.min(left, cluster.units().get(x.unit().dpRank())[0])));
        }
        for (DpUnitState u : units) {
            if (u.availableCapacity() > 0) {
                assertThat(room.get(u.id())).as("room left on %s", u.id()).isNotNegative();
            }
        }
    }

    @Property(tries = 300)
    void everyRequestIsPlacedOrPendingExactlyOnce(@ForAll("clusters") Cluster cluster, @ForAll("windows") Window w) {
        Allocation a = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), cluster.build());
        Set<Long> seen = new HashSet<>();
        a.placed().forEach(x -> assertThat(seen.add(x.request().id())).isTrue());
        a.pending().forEach(r -> assertThat(seen.add(r.id())).isTrue());
        assertThat(seen).hasSize(w.carried().size() + w.fresh().size());
    }

    @Property(tries = 300)
    void pendingCarriedOverKeepFcfsOrderAndComeFirst(@ForAll("clusters") Cluster cluster, @ForAll("windows") Window w) {
        Allocation a = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), cluster.build());
        Set<Long> carriedIds = new HashSet<>();
        w.carried().forEach(r -> carriedIds.add(r.id()));
        List<Long> pendingCarried = new ArrayList<>();
        boolean freshSeen = false;
        for (InferenceRequest r : a.pending()) {
            if (carriedIds.contains(r.id())) {
                assertThat(freshSeen).as("carried-over pending requests come before fresh ones").isFalse();
                pendingCarried.add(r.id());
            } else {
                freshSeen = true;
            }
        }
        assertThat(pendingCarried).isSorted();
    }

    /**
     * Starvation prevention, in the form that holds for greedy water filling: a pending carried-over
     * request that fits one pass did not fit the widest unit when its turn came, which was before any
     * fresh request was placed; so no fresh request is placed on a unit whose room at the start could
     * have held it while the carried-over one waits.
     */
    @Property(tries = 300)
    void carriedOverRequestsArePlacedBeforeAnyFreshOne(@ForAll("clusters") Cluster cluster, @ForAll("windows") Window w) {
        Allocation a = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), cluster.build());
        Set<Long> carriedIds = new HashSet<>();
        w.carried().forEach(r -> carriedIds.add(r.id()));
        boolean freshPlaced = false;
        for (Assignment x : a.placed()) {
            if (carriedIds.contains(x.request().id())) {
                assertThat(freshPlaced).as("a carried-over request placed after a fresh one").isFalse();
            } else {
                freshPlaced = true;
            }
        }
    }

    @Property(tries = 200)
    void sameInputSameOutput(@ForAll("clusters") Cluster cluster, @ForAll("windows") Window w) {
        Allocation first = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), cluster.build());
        Allocation second = new WaterFillingPrefillAllocator().allocate(w.carried(), w.fresh(), cluster.build());
        assertThat(second).isEqualTo(first);
    }
}
