package io.sbs.core;

import static io.sbs.core.Fixtures.ids;
import static io.sbs.core.Fixtures.request;
import static io.sbs.core.Fixtures.withBlocks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Cache-aware PBAA with 100-token blocks and an imbalance guard of 0.5, on units of {@code C_max} 1000. */
class CacheAwarePrefillAllocatorTest {

    private final CacheAwarePrefillAllocator allocator = new CacheAwarePrefillAllocator(100, 0.5);

    private static List<DpUnitState> units(int n) {
        return Fixtures.prefillUnits(n, 1000);
    }

    @Test
    void allocate_prefixCachedOnANarrowerUnit_picksTheCacheHolder() {
        List<DpUnitState> units = units(2);
        units.get(0).rememberBlocks(new long[] {7, 8});
        Fixtures.sent(units.get(0), 300);
        Allocation a = allocator.allocate(List.of(), List.of(withBlocks(1, 500, 7, 8, 9, 10, 11)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0);
    }

    @Test
    void allocate_longestCachedPrefixWins() {
        List<DpUnitState> units = units(3);
        units.get(0).rememberBlocks(new long[] {7});
        units.get(1).rememberBlocks(new long[] {7, 8});
        Fixtures.sent(units.get(1), 100);
        Allocation a = allocator.allocate(List.of(), List.of(withBlocks(1, 500, 7, 8, 9, 10, 11)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_equalCachedPrefix_tiesToTheLargerRoom_thenTheEarlierUnit() {
        List<DpUnitState> units = units(3);
        for (DpUnitState u : units) {
            u.rememberBlocks(new long[] {7, 8});
        }
        Fixtures.sent(units.get(0), 400);
        Allocation a = allocator.allocate(List.of(), List.of(withBlocks(1, 500, 7, 8, 9)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_cacheHolderFarBehindTheWidest_imbalanceGuardFallsBackToTheWidest() {
        List<DpUnitState> units = units(2);
        units.get(0).rememberBlocks(new long[] {7, 8});
        Fixtures.sent(units.get(0), 700);
        Allocation a = allocator.allocate(List.of(), List.of(withBlocks(1, 250, 7, 8, 9)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_guardZero_followsTheCacheWhateverTheImbalance() {
        List<DpUnitState> units = units(2);
        units.get(0).rememberBlocks(new long[] {7, 8});
        Fixtures.sent(units.get(0), 700);
        Allocation a = new CacheAwarePrefillAllocator(100, 0).allocate(List.of(), List.of(withBlocks(1, 250, 7, 8, 9)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0);
    }

    @Test
    void allocate_cacheHolderWithoutRoomForTheCost_fallsBackToTheWidest() {
        List<DpUnitState> units = units(2);
        units.get(0).rememberBlocks(new long[] {7});
        Fixtures.sent(units.get(0), 400);
        // 900 tokens, 100 cached: costs 800 on unit 0, which has 600
        Allocation a = allocator.allocate(List.of(), List.of(withBlocks(1, 900, 7, 8, 9)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_fitsNowhere_isPending() {
        List<DpUnitState> units = units(2);
        Fixtures.sent(units.get(0), 600);
        Fixtures.sent(units.get(1), 700);
        Allocation a = allocator.allocate(List.of(), List.of(withBlocks(1, 500, 7, 8)), units);
        assertThat(a.placed()).isEmpty();
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(1L);
    }

    @Test
    void cost_isReducedByTheCachedPrefix_neverBelowOne_andCappedByChunk() {
        DpUnitState u = units(1).get(0);
        u.rememberBlocks(new long[] {1, 2, 3});
        assertThat(allocator.cost(withBlocks(1, 450, 1, 2, 3, 4, 5), u)).isEqualTo(150);
        assertThat(allocator.cost(withBlocks(2, 450, 1, 9, 3), u)).isEqualTo(350);
        assertThat(allocator.cost(withBlocks(3, 250, 1, 2, 3), u)).isEqualTo(1);
        assertThat(allocator.cost(withBlocks(4, 5_000, 1, 2, 3, 4), u)).isEqualTo(1000);
        assertThat(allocator.cost(withBlocks(5, 450), u)).isEqualTo(450);
    }

    @Test
    void allocate_chargesTheReducedCost_soPromptsSharingACachedPrefixShareAUnit() {
        List<DpUnitState> units = units(2);
        units.get(0).rememberBlocks(new long[] {1, 2, 3, 4});
        Fixtures.sent(units.get(0), 600);
        Fixtures.sent(units.get(1), 500);
        // each costs 100 on unit 0 (400 of 500 tokens cached); together 1000 tokens, more than either room
        Allocation a = allocator.allocate(List.of(), List.of(withBlocks(1, 500, 1, 2, 3, 4, 5),
                withBlocks(2, 500, 1, 2, 3, 4, 6)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0, 0);
    }

    @Test
    void allocate_carriedOverFirstInGivenOrder_thenFreshLongestFirst() {
        List<DpUnitState> units = units(1);
        Allocation a = allocator.allocate(List.of(withBlocks(4, 300), withBlocks(3, 200)),
                List.of(withBlocks(1, 100), withBlocks(2, 600)), units);
        assertThat(ids(a.placed())).containsExactly(4L, 3L, 1L);
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(2L);
    }

    @Test
    void allocate_withoutBlockHashes_isPlainWaterFilling() {
        List<DpUnitState> units = units(4);
        Fixtures.sent(units.get(0), 300);
        Fixtures.sent(units.get(2), 900);
        Fixtures.backlog(units.get(3), 1500);
        List<InferenceRequest> carried = List.of(request(1, 800), request(2, 50));
        List<InferenceRequest> fresh = LongStream.range(3, 12).mapToObj(i -> request(i, (int) (i * 97 % 700) + 1)).toList();
        assertThat(allocator.allocate(carried, fresh, units))
                .isEqualTo(new WaterFillingPrefillAllocator().allocate(carried, fresh, units));
    }

    /**
     * Starvation prevention with the imbalance guard. Unit 1 holds 1000 of the carried-over request's 1100
     * tokens, so it would cost 100 there, but unit 1's room (400) is under half the widest room (900): the
     * guard rules it out, the widest unit cannot take the 1000-token pass cost, and the request is pending.
     * A fresh 150-token prompt then takes unit 1.
     */
    @Test
    void allocate_carriedOverKeptOffItsCacheHolderByTheGuard_isNotLeftToAFreshRequest() {
        List<DpUnitState> units = units(2);
        Fixtures.sent(units.get(0), 100);
        Fixtures.sent(units.get(1), 600);
        long[] prefix = LongStream.range(0, 11).toArray();
        units.get(1).rememberBlocks(java.util.Arrays.copyOf(prefix, 10));
        Allocation a = allocator.allocate(List.of(withBlocks(0, 1100, prefix)),
                List.of(withBlocks(1, 900), withBlocks(2, 150)), units);
        assertThat(a.pending()).extracting(InferenceRequest::id).doesNotContain(0L);
    }
}
