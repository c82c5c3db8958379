package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class IqrLexicographicDecodeAllocatorTest {

    private final IqrLexicographicDecodeAllocator allocator = new IqrLexicographicDecodeAllocator(1.5);

    @Test
    void quantile_interpolatesBetweenOrderStatistics() {
        long[] sorted = {10, 20, 30, 40};
        assertThat(IqrLexicographicDecodeAllocator.quantile(sorted, 0.25)).isCloseTo(17.5, within(1e-9));
        assertThat(IqrLexicographicDecodeAllocator.quantile(sorted, 0.75)).isCloseTo(32.5, within(1e-9));
        assertThat(IqrLexicographicDecodeAllocator.threshold(new long[] {40, 10, 30, 20}, 1.5))
                .isCloseTo(32.5 + 1.5 * 15, within(1e-9));
    }

    @Test
    void allocate_unitAboveTheta_isMaskedEvenWithTheSmallestBatch() {
        List<DpUnitState> units = Fixtures.decodeUnits(1_000_000, 100, 110, 120, 130, 1000);
        units.get(0).reportDecode(5, 100, 0, 0);
        units.get(1).reportDecode(5, 110, 0, 0);
        units.get(2).reportDecode(5, 120, 0, 0);
        units.get(3).reportDecode(5, 130, 0, 0);
        units.get(4).reportDecode(1, 1000, 0, 0);
        // θ = 130 + 1.5 x (130 - 110) = 160
        Allocation a = allocator.allocate(List.of(request(1, 20, 0)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0);
    }

    @Test
    void allocate_lexicographic_batchFirstThenKv() {
        List<DpUnitState> units = Fixtures.decodeUnits(1_000_000, 500, 400, 450);
        units.get(0).reportDecode(2, 500, 0, 0);
        units.get(1).reportDecode(3, 400, 0, 0);
        units.get(2).reportDecode(2, 450, 0, 0);
        Allocation a = allocator.allocate(List.of(request(1, 10, 0)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(2);
    }

    @Test
    void allocate_longestTotalFirst_andStateUpdatedBetweenRequests() {
        List<DpUnitState> units = Fixtures.decodeUnits(1_000_000, 0, 0);
        Allocation a = allocator.allocate(List.of(request(1, 100, 0), request(2, 900, 0), request(3, 500, 0)), units);
        assertThat(a.placed()).extracting(x -> x.request().id(), x -> x.unit().dpRank()).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2L, 0), org.assertj.core.groups.Tuple.tuple(3L, 1),
                org.assertj.core.groups.Tuple.tuple(1L, 1));
    }

    @Test
    void allocate_respectsKvMemory_andLiftsMaskRatherThanRefusing() {
        List<DpUnitState> units = Fixtures.decodeUnits(1000, 100, 100, 100, 900);
        // only the outlier unit... has no room either: nobody but units 0-2 fit 850 tokens
        Allocation a = allocator.allocate(List.of(request(1, 800, 50)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0);
        List<DpUnitState> skewed = Fixtures.decodeUnits(10_000, 100, 100, 100, 100, 5000);
        for (int i = 0; i < 4; i++) {
            skewed.get(i).reportDecode(0, 9_500, 0, 0);
        }
        // θ is computed from {9500 x4, 5000}: the 5000 unit is below θ; a 4000-token request only fits it
        Allocation b = allocator.allocate(List.of(request(2, 3000, 1000)), skewed);
        assertThat(b.placed()).extracting(x -> x.unit().dpRank()).containsExactly(4);
    }

    @Test
    void allocate_unitThatTheRequestWouldCarryPastTheta_isMasked() {
        List<DpUnitState> units = Fixtures.decodeUnits(1_000_000, 100, 110, 120, 130);
        units.get(0).reportDecode(5, 100, 0, 0);
        units.get(1).reportDecode(5, 110, 0, 0);
        units.get(2).reportDecode(4, 120, 0, 0);
        units.get(3).reportDecode(5, 130, 0, 0);
        // θ = 122.5 + 1.5 x 15 = 145: the smallest batch (unit 2) would reach 150, so the request goes
        // to the lexicographic minimum of the units it keeps under θ
        Allocation a = allocator.allocate(List.of(request(1, 30, 0)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0);
    }

    @Test
    void allocate_noUnitHasMemory_leavesRequestPending() {
        List<DpUnitState> units = Fixtures.decodeUnits(1000, 900, 950);
        Allocation a = allocator.allocate(List.of(request(1, 200, 0)), units);
        assertThat(a.placed()).isEmpty();
        assertThat(a.pending()).hasSize(1);
    }
}
