package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WaterFillingPrefillAllocatorTest {

    private final WaterFillingPrefillAllocator allocator = new WaterFillingPrefillAllocator();

    @Test
    void allocate_longestFirst_fillsLargestCapacity() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        units.get(0).dispatchPrefill(600, false);
        Allocation a = allocator.allocate(List.of(), List.of(request(1, 200), request(2, 700), request(3, 300)), units);
        assertThat(a.placed()).extracting(x -> x.request().id(), x -> x.unit().dpRank())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, 1), org.assertj.core.groups.Tuple.tuple(3L, 0),
                        org.assertj.core.groups.Tuple.tuple(1L, 1));
        assertThat(a.pending()).isEmpty();
    }

    @Test
    void allocate_carriedOver_goFirstInGivenOrder_evenWhenShorter() {
        List<DpUnitState> units = Fixtures.prefillUnits(1, 1000);
        Allocation a = allocator.allocate(List.of(request(1, 300), request(2, 400)), List.of(request(3, 900)), units);
        assertThat(a.placed()).extracting(x -> x.request().id()).containsExactly(1L, 2L);
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(3L);
    }

    @Test
    void allocate_onePassPromptWithoutRoom_isPending() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        units.get(0).dispatchPrefill(500, false);
        units.get(1).dispatchPrefill(500, false);
        Allocation a = allocator.allocate(List.of(), List.of(request(1, 800)), units);
        assertThat(a.placed()).isEmpty();
        assertThat(a.pending()).hasSize(1);
    }

    @Test
    void allocate_promptLongerThanChunk_needsAUnitWithAFullChunkFree() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        units.get(0).dispatchPrefill(800, false);
        Allocation a = allocator.allocate(List.of(), List.of(request(1, 5000), request(2, 150)), units);
        assertThat(a.placed()).extracting(x -> x.request().id(), x -> x.unit().dpRank())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 1), org.assertj.core.groups.Tuple.tuple(2L, 0));
        units.get(1).dispatchPrefill(400, false);
        Allocation b = allocator.allocate(List.of(), List.of(request(3, 5000)), units);
        assertThat(b.pending()).hasSize(1);
    }

    @Test
    void allocate_splitAll_longPromptStartsInTheRoomThereIs() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        units.get(0).dispatchPrefill(800, false);
        units.get(1).dispatchPrefill(400, false);
        Allocation a = new WaterFillingPrefillAllocator(true).allocate(List.of(), List.of(request(1, 5000)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_noUnits_leavesEverythingPendingInOrder() {
        Allocation a = allocator.allocate(List.of(request(1, 10)), List.of(request(2, 20)), List.of());
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(1L, 2L);
    }

    @Test
    void allocate_splitAll_lets_onePassPromptsStartInPartialRoom() {
        List<DpUnitState> units = Fixtures.prefillUnits(1, 1000);
        units.get(0).dispatchPrefill(500, false);
        Allocation a = new WaterFillingPrefillAllocator(true).allocate(List.of(), List.of(request(1, 800)), units);
        assertThat(a.placed()).hasSize(1);
    }
}
