package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CacheAwarePrefillAllocatorTest {

    private final CacheAwarePrefillAllocator allocator = new CacheAwarePrefillAllocator(100, 0.5);

    private static InferenceRequest withBlocks(long id, int prompt, long... blocks) {
        return new InferenceRequest(id, prompt, 10, id, blocks);
    }

    @Test
    void allocate_prefixCachedOnNarrowerUnit_picksTheCacheHolder() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        units.get(0).rememberBlocks(new long[] {7, 8});
        units.get(0).dispatchPrefill(300, false);
        Allocation a = allocator.allocate(List.of(), List.of(withBlocks(1, 500, 7, 8, 9, 10, 11)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0);
    }

    @Test
    void allocate_cacheHolderFarBehindWidest_imbalanceGuardFallsBackToWidest() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        units.get(0).rememberBlocks(new long[] {7, 8});
        units.get(0).dispatchPrefill(700, false);
        Allocation a = allocator.allocate(List.of(), List.of(withBlocks(1, 250, 7, 8, 9)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void cost_isReducedByTheCachedPrefix() {
        DpUnitState u = Fixtures.prefillUnits(1, 1000).get(0);
        u.rememberBlocks(new long[] {1, 2, 3});
        assertThat(allocator.cost(withBlocks(1, 450, 1, 2, 3, 4, 5), u)).isEqualTo(150);
        assertThat(allocator.cost(withBlocks(2, 250, 1, 2, 3), u)).isEqualTo(1);
    }
}
