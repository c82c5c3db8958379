package io.sbs.core;

import static io.sbs.core.Fixtures.ids;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.List;
import org.junit.jupiter.api.Test;

class WaterFillingPrefillAllocatorTest {

    private final WaterFillingPrefillAllocator allocator = new WaterFillingPrefillAllocator();

    @Test
    void allocate_longestFirst_eachToTheLargestAvailableCapacity() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        Fixtures.sent(units.get(0), 600);
        Allocation a = allocator.allocate(List.of(), List.of(request(1, 200), request(2, 700), request(3, 300)), units);
        // 700 -> unit 1 (1000 vs 400), then 300 -> unit 0 (400 vs 300), then 200 -> unit 1 (300 vs 100)
        assertThat(a.placed()).extracting(x -> x.request().id(), x -> x.unit().dpRank())
                .containsExactly(tuple(2L, 1), tuple(3L, 0), tuple(1L, 1));
        assertThat(a.pending()).isEmpty();
    }

    @Test
    void allocate_equalCapacity_tiesToTheEarlierUnit() {
        List<DpUnitState> units = Fixtures.prefillUnits(3, 1000);
        Fixtures.sent(units.get(0), 200);
        Allocation a = allocator.allocate(List.of(), List.of(request(1, 100)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_equalLength_ordersByArrivalThenId() {
        List<DpUnitState> units = Fixtures.prefillUnits(3, 1000);
        Fixtures.sent(units.get(1), 100);
        Fixtures.sent(units.get(2), 200);
        InferenceRequest late = new InferenceRequest(1, 500, 10, 9);
        InferenceRequest early = new InferenceRequest(2, 500, 10, 3);
        InferenceRequest earlyHigherId = new InferenceRequest(3, 500, 10, 3);
        Allocation a = allocator.allocate(List.of(), List.of(late, earlyHigherId, early), units);
        assertThat(a.placed()).extracting(x -> x.request().id(), x -> x.unit().dpRank())
                .containsExactly(tuple(2L, 0), tuple(3L, 1), tuple(1L, 2));
    }

    @Test
    void allocate_carriedOver_goFirstInTheGivenOrder_evenWhenShorter() {
        List<DpUnitState> units = Fixtures.prefillUnits(1, 1000);
        Allocation a = allocator.allocate(List.of(request(5, 300), request(2, 400)), List.of(request(3, 900)), units);
        assertThat(ids(a.placed())).containsExactly(5L, 2L);
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(3L);
    }

    @Test
    void allocate_carriedOverThatFitsNowhere_doesNotBlockTheOnesBehindIt() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        Fixtures.sent(units.get(0), 500);
        Fixtures.sent(units.get(1), 500);
        Allocation a = allocator.allocate(List.of(request(1, 800), request(2, 400)), List.of(request(3, 450)), units);
        assertThat(ids(a.placed())).containsExactly(2L, 3L);
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(1L);
    }

    @Test
    void allocate_pending_carriedOverFirstInGivenOrder_thenFreshLongestFirst() {
        List<DpUnitState> units = Fixtures.prefillUnits(1, 1000);
        Fixtures.sent(units.get(0), 950);
        Allocation a = allocator.allocate(List.of(request(9, 500), request(4, 300)),
                List.of(request(1, 200), request(2, 700)), units);
        assertThat(a.placed()).isEmpty();
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(9L, 4L, 2L, 1L);
    }

    @Test
    void allocate_onePassPromptLargerThanEveryRoom_isPending() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        Fixtures.sent(units.get(0), 500);
        Fixtures.sent(units.get(1), 500);
        Allocation a = allocator.allocate(List.of(), List.of(request(1, 800)), units);
        assertThat(a.placed()).isEmpty();
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(1L);
    }

    @Test
    void allocate_unitsWithoutRoom_receiveNothing() {
        List<DpUnitState> units = Fixtures.prefillUnits(3, 1000);
        Fixtures.sent(units.get(0), 1000);
        Fixtures.sent(units.get(1), 4000);
        Fixtures.backlog(units.get(2), 1200);
        Allocation a = allocator.allocate(List.of(), List.of(request(1, 1)), units);
        assertThat(a.placed()).isEmpty();
        assertThat(a.pending()).hasSize(1);
    }

    @Test
    void allocate_promptLongerThanChunk_goesToAUnitWithAFullChunkFree_atCostChunk() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        Fixtures.sent(units.get(0), 100);
        Allocation a = allocator.allocate(List.of(), List.of(request(1, 5000), request(2, 901), request(3, 900)), units);
        // 5000 costs 1000 and takes all of unit 1; 901 fits nowhere; 900 takes unit 0
        assertThat(a.placed()).extracting(x -> x.request().id(), x -> x.unit().dpRank())
                .containsExactly(tuple(1L, 1), tuple(3L, 0));
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(2L);
    }

    @Test
    void allocate_promptLongerThanChunk_noUnitWithAFullChunkFree_isPending() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        Fixtures.sent(units.get(0), 1);
        Fixtures.backlog(units.get(1), 1);
        Allocation a = allocator.allocate(List.of(), List.of(request(1, 5000)), units);
        assertThat(a.placed()).isEmpty();
        assertThat(a.pending()).hasSize(1);
    }

    @Test
    void allocate_noUnits_leavesEverythingPendingInOrder() {
        Allocation a = allocator.allocate(List.of(request(1, 10)), List.of(request(2, 20), request(3, 30)), List.of());
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(1L, 3L, 2L);
    }

    @Test
    void allocate_emptyWindow_placesNothing() {
        Allocation a = allocator.allocate(List.of(), List.of(), Fixtures.prefillUnits(2, 1000));
        assertThat(a.placed()).isEmpty();
        assertThat(a.pending()).isEmpty();
    }

    @Test
    void allocate_leavesTheUnitsUntouched() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        allocator.allocate(List.of(), List.of(request(1, 700), request(2, 700)), units);
        assertThat(units).allSatisfy(u -> assertThat(u.availableCapacity()).isEqualTo(1000));
    }

    @Test
    void allocate_splitAll_longPromptStartsInTheRoomThereIs() {
        List<DpUnitState> units = Fixtures.prefillUnits(2, 1000);
        Fixtures.sent(units.get(0), 800);
        Fixtures.sent(units.get(1), 400);
        Allocation a = new WaterFillingPrefillAllocator(true).allocate(List.of(), List.of(request(1, 5000)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_splitAll_onePassPromptsStartInPartialRoom_untilNoRoomIsLeft() {
        List<DpUnitState> units = Fixtures.prefillUnits(1, 1000);
        Fixtures.sent(units.get(0), 500);
        Allocation a = new WaterFillingPrefillAllocator(true).allocate(List.of(),
                List.of(request(1, 800), request(2, 800)), units);
        assertThat(ids(a.placed())).containsExactly(1L);
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(2L);
    }

    /**
     * Starvation prevention with mixed chunk capacities. Unit 0 ({@code C_max} 256) is idle; unit 1
     * ({@code C_max} 500) has 499 tokens of room, so it is the widest. The carried-over 500-token prompt
     * costs 500 on unit 1 and does not fit; it would cost 256 on unit 0 and fit, but only the widest unit
     * is tried, so it is left pending; the fresh 256-token prompts then take unit 1 and unit 0.
     */
    @Test
    void allocate_mixedChunkCapacities_carriedOverThatFitsANarrowUnit_isPlacedBeforeFreshOnes() {
        List<DpUnitState> units = Fixtures.prefillUnitsWithChunks(256, 500);
        Fixtures.backlog(units.get(1), 1);
        Allocation a = allocator.allocate(List.of(request(0, 500)), List.of(request(1, 256), request(2, 256)), units);
        assertThat(a.pending()).extracting(InferenceRequest::id).doesNotContain(0L);
    }
}
