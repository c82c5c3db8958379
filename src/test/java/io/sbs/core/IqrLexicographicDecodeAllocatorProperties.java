package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Invariants of the IQR mask and lexicographic decode placement. */
class IqrLexicographicDecodeAllocatorProperties {

    @Provide
    Arbitrary<List<long[]>> units() {
        // {batch, kv}; heavy-tailed KV so the mask has outliers to catch
        Arbitrary<long[]> unit = Arbitraries.integers().between(0, 60).flatMap(b -> Arbitraries
                .longs().between(0, 200_000).map(k -> new long[] {b, k}));
        return unit.list().ofMinSize(1).ofMaxSize(64);
    }

    @Provide
    Arbitrary<List<InferenceRequest>> windows() {
        return Arbitraries.integers().between(1, 30_000).list().ofMaxSize(120).map(lengths -> {
            List<InferenceRequest> out = new ArrayList<>();
            for (int i = 0; i < lengths.size(); i++) {
                out.add(new InferenceRequest(i, lengths.get(i), lengths.get(i) / 4, i));
            }
            return out;
        });
    }

    private static List<DpUnitState> build(List<long[]> spec, long capacity) {
        List<DpUnitState> out = new ArrayList<>();
        for (int i = 0; i < spec.size(); i++) {
            DpUnitState u = new DpUnitState(new DpUnitId("d", i), Phase.DECODE, 1, capacity, 0);
            u.reportDecode((int) spec.get(i)[0], Math.min(capacity, spec.get(i)[1]), 0, 0);
            out.add(u);
        }
        return out;
    }

    @Property(tries = 300)
    void neverPendingWhileSomeUnitHasMemory_andNeverOverMemory(@ForAll("units") List<long[]> spec,
            @ForAll("windows") List<InferenceRequest> window, @ForAll @IntRange(min = 50_000, max = 400_000) int capacity,
            @ForAll @IntRange(min = 0, max = 30) int kappaTenths) {
        List<DpUnitState> units = build(spec, capacity);
        Allocation a = new IqrLexicographicDecodeAllocator(kappaTenths / 10.0).allocate(window, units);
        Map<DpUnitId, Long> kv = new HashMap<>();
        for (DpUnitState u : units) {
            kv.put(u.id(), u.kvTokens());
        }
        List<InferenceRequest> order = new ArrayList<>(window);
        order.sort(IqrLexicographicDecodeAllocator.LONGEST_TOTAL_FIRST);
        Map<Long, DpUnitId> placedAt = new HashMap<>();
        a.placed().forEach(x -> placedAt.put(x.request().id(), x.unit()));
        for (InferenceRequest r : order) {
            DpUnitId at = placedAt.get(r.id());
            boolean someRoom = kv.values().stream().anyMatch(k -> k + r.totalTokens() <= capacity);
            if (at == null) {
                assertThat(someRoom).as("pending although a unit had memory").isFalse();
            } else {
                long after = kv.get(at) + r.totalTokens();
                assertThat(after).isLessThanOrEqualTo(capacity);
                kv.put(at, after);
            }
        }
        assertThat(a.placed().size() + a.pending().size()).isEqualTo(window.size());
    }

    @Property(tries = 300)
    void choiceIsLexicographicallyMinimalAmongUnmaskedUnits(@ForAll("units") List<long[]> spec,
            @ForAll("windows") List<InferenceRequest> window) {
        long capacity = 10_000_000;
        List<DpUnitState> units = build(spec, capacity);
        Allocation a = new IqrLexicographicDecodeAllocator(1.5).allocate(window, units);
        long[] k = new long[units.size()];
        int[] b = new int[units.size()];
        for (int i = 0; i < units.size(); i++) {
            k[i] = units.get(i).kvTokens();
            b[i] = units.get(i).batchSize();
        }
        double theta = IqrLexicographicDecodeAllocator.threshold(k.clone(), 1.5);
        for (Assignment x : a.placed()) {
            int chosen = x.unit().dpRank();
            long need = x.request().totalTokens();
            boolean anyUnmasked = false;
            for (int i = 0; i < k.length; i++) {
                anyUnmasked |= k[i] + need <= theta;
            }
            assertThat(!anyUnmasked || k[chosen] + need <= theta).as("chose a masked unit while one was open").isTrue();
            for (int i = 0; i < k.length; i++) {
                boolean eligible = !anyUnmasked || k[i] + need <= theta;
                if (eligible) {
                    assertThat(b[chosen] < b[i] || (b[chosen] == b[i] && k[chosen] <= k[i]))
                            .as("unit %d (b=%d,k=%d) beats chosen %d (b=%d,k=%d)", i, b[i], k[i], chosen, b[chosen], k[chosen])
                            .isTrue();
                }
            }
            b[chosen]++;
            k[chosen] += x.request().totalTokens();
        }
    }

    @Property(tries = 200)
    void sameInputSameOutput(@ForAll("units") List<long[]> spec, @ForAll("windows") List<InferenceRequest> window) {
        Allocation first = new IqrLexicographicDecodeAllocator(1.5).allocate(window, build(spec, 300_000));
        Allocation second = new IqrLexicographicDecodeAllocator(1.5).allocate(window, build(spec, 300_000));
        assertThat(second).isEqualTo(first);
    }
}
