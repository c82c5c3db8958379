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

/** Invariants of cache-aware PBAA on random clusters with random cached prefixes. */
class CacheAwarePrefillAllocatorProperties {

    private static final int BLOCK = 64;

    /** Per unit: {C_max, in-flight, cached blocks 0..n-1 of prefix family f}. */
    record Cluster(List<int[]> units) {
        List<DpUnitState> build() {
            List<DpUnitState> out = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) {
                int[] u = units.get(i);
                DpUnitState s = new DpUnitState(new DpUnitId("p", i), Phase.PREFILL, u[0], Long.MAX_VALUE, 1_000);
                s.dispatchPrefill(u[1], false);
                s.rememberBlocks(blocks(u[3], u[2]));
                out.add(s);
            }
            return out;
        }

        @Override
        public String toString() {
            return java.util.Arrays.deepToString(units.toArray());
        }
    }

    static long[] blocks(int family, int n) {
        long[] b = new long[n];
        for (int i = 0; i < n; i++) {
            b[i] = family * 1_000L + i;
        }
        return b;
    }

    @Provide
    Arbitrary<Cluster> clusters() {
        return Combinators.combine(Arbitraries.integers().between(256, 8_192), Arbitraries.integers().between(1, 9_000),
                Arbitraries.integers().between(0, 40), Arbitraries.integers().between(0, 3))
                .as((c, in, n, f) -> new int[] {c, in, n, f}).list().ofMinSize(1).ofMaxSize(32).map(Cluster::new);
    }

    @Provide
    Arbitrary<List<InferenceRequest>> windows() {
        return Combinators.combine(Arbitraries.integers().between(1, 20_000), Arbitraries.integers().between(0, 3))
                .as((len, f) -> new int[] {len, f}).list().ofMaxSize(150).map(specs -> {
                    List<InferenceRequest> out = new ArrayList<>();
                    for (int i = 0; i < specs.size(); i++) {
                        int len = specs.get(i)[0];
                        out.add(new InferenceRequest(i, len, 10, i, blocks(specs.get(i)[1], len / BLOCK)));
                    }
                    return out;
                });
    }

    @Property(tries = 300)
    void everyRequestOnce_andNoUnitChargedBeyondItsRoom(@ForAll("clusters") Cluster cluster,
            @ForAll("windows") List<InferenceRequest> window) {
        List<DpUnitState> units = cluster.build();
        CacheAwarePrefillAllocator allocator = new CacheAwarePrefillAllocator(BLOCK, 0.5);
        int carried = window.size() / 3;
        Allocation a = allocator.allocate(window.subList(0, carried), window.subList(carried, window.size()), units);
        Set<Long> seen = new HashSet<>();
        a.placed().forEach(x -> assertThat(seen.add(x.request().id())).isTrue());
        a.pending().forEach(r -> assertThat(seen.add(r.id())).isTrue());
        assertThat(seen).hasSize(window.size());
        Map<DpUnitId, Long> room = new HashMap<>();
        Map<DpUnitId, DpUnitState> byId = new HashMap<>();
        for (DpUnitState u : units) {
            room.put(u.id(), u.availableCapacity());
            byId.put(u.id(), u);
        }
        for (Assignment x : a.placed()) {
            long left = room.get(x.unit()) - allocator.cost(x.request(), byId.get(x.unit()));
            assertThat(left).as("room on %s", x.unit()).isNotNegative();
            room.put(x.unit(), left);
        }
    }

    @Property(tries = 200)
    void sameInputSameOutput(@ForAll("clusters") Cluster cluster, @ForAll("windows") List<InferenceRequest> window) {
        Allocation first = new CacheAwarePrefillAllocator(BLOCK, 0.5).allocate(List.of(), window, cluster.build());
        Allocation second = new CacheAwarePrefillAllocator(BLOCK, 0.5).allocate(List.of(), window, cluster.build());
        assertThat(second).isEqualTo(first);
    }
}
