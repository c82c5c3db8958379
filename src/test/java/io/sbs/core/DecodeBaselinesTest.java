package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The decode baselines: round robin and least batch, both blind to KV load and memory. */
class DecodeBaselinesTest {

    @Test
    void roundRobin_cyclesAcrossCalls() {
        List<DpUnitState> units = Fixtures.decodeUnits(1_000, 0, 0, 0);
        RoundRobinDecodeAllocator rr = new RoundRobinDecodeAllocator();
        Allocation first = rr.allocate(List.of(request(1, 10), request(2, 10)), units);
        Allocation second = rr.allocate(List.of(request(3, 10), request(4, 10)), units);
        assertThat(first.placed()).extracting(a -> a.unit().dpRank()).containsExactly(0, 1);
        assertThat(second.placed()).extracting(a -> a.unit().dpRank()).containsExactly(2, 0);
    }

    @Test
    void roundRobin_ignoresMemory() {
        List<DpUnitState> units = Fixtures.decodeUnits(1_000, 990, 990);
        Allocation a = new RoundRobinDecodeAllocator().allocate(List.of(request(1, 5_000)), units);
        assertThat(a.placed()).hasSize(1);
        assertThat(a.pending()).isEmpty();
    }

    @Test
    void leastBatch_picksTheSmallestBatch_countingEachPlacement_tiesToTheEarlierUnit() {
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {{3, 0, 1_000}, {1, 900, 1_000}, {2, 0, 1_000}});
        Allocation a = new LeastBatchDecodeAllocator().allocate(
                List.of(request(1, 10), request(2, 10), request(3, 10), request(4, 10)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1, 1, 2, 0);
    }

    @Test
    void baselines_noUnits_leaveEverythingPending() {
        List<InferenceRequest> window = List.of(request(1, 10), request(2, 10));
        assertThat(new RoundRobinDecodeAllocator().allocate(window, List.of()).pending()).isEqualTo(window);
        assertThat(new LeastBatchDecodeAllocator().allocate(window, List.of()).pending()).isEqualTo(window);
    }
}
