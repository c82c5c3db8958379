package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decode baselines: round robin and least batch, both blind to KV load and memory, and the KV-aware
 * least KV tokens and KV-and-batch balanced.
 */
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

    @Test
    void leastKvTokens_picksTheLeastKv_countingEachPlacement_tiesByBatch() {
        // {batch, kv, capacity}
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {{1, 500, 10_000}, {9, 100, 10_000}, {2, 100, 10_000}});
        Allocation a = new LeastKvTokensDecodeAllocator().allocate(
                List.of(request(1, 290, 10), request(2, 90, 10), request(3, 90, 10)), units);
        // 100/100 tie → rank 2 (smaller batch) takes 300 → 400; rank 1 at 100 takes 100 → 200; rank 1 again
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(2, 1, 1);
        assertThat(a.pending()).isEmpty();
    }

    @Test
    void leastKvTokens_skipsUnitsWithoutMemory_andHoldsWhatFitsNowhere() {
        List<DpUnitState> units = Fixtures.decodeUnits(1_000, 100, 900);
        Allocation a = new LeastKvTokensDecodeAllocator().allocate(List.of(request(1, 850, 0), request(2, 2_000, 0)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0);
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(2L);
    }

    @Test
    void kvBatchBalanced_weighsBothKeysAgainstTheirMeans() {
        // means: batch 10, kv 1,000. Costs: rank 0 = 0.5 + 1.5 = 2.0, rank 1 = 1.5 + 0.4 = 1.9, rank 2 = 1.0 + 1.1 = 2.1
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {{15, 500, 100_000}, {4, 1_500, 100_000},
                {11, 1_000, 100_000}});
        Allocation a = new KvBatchBalancedDecodeAllocator().allocate(List.of(request(1, 10, 0)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void kvBatchBalanced_neitherKeyAlone_decides() {
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {{20, 900, 100_000}, {5, 1_100, 100_000}});
        // least KV would take rank 0 and least batch rank 1; balanced: 1.6 + 0.9 = 2.5 vs 0.4 + 1.1 = 1.5
        assertThat(new KvBatchBalancedDecodeAllocator().allocate(List.of(request(1, 10, 0)), units).placed())
                .extracting(x -> x.unit().dpRank()).containsExactly(1);
        assertThat(new LeastKvTokensDecodeAllocator().allocate(List.of(request(1, 10, 0)), units).placed())
                .extracting(x -> x.unit().dpRank()).containsExactly(0);
    }

    @Test
    void kvAware_noUnits_leaveEverythingPending() {
        List<InferenceRequest> window = List.of(request(1, 10), request(2, 10));
        assertThat(new LeastKvTokensDecodeAllocator().allocate(window, List.of()).pending()).isEqualTo(window);
        assertThat(new KvBatchBalancedDecodeAllocator().allocate(window, List.of()).pending()).isEqualTo(window);
    }

    @Test
    void stepCostBalanced_weighsBatchByTheLearnedTokensPerRequest_countingEachPlacement() {
        // X = 400: rank 0 costs 60K + 12K = 72K, rank 1 66K + 8K = 74K; the first request (2K) takes rank 0
        // (74.4K after), the second rank 1
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {{30, 60_000, 1_000_000}, {20, 66_000, 1_000_000}});
        StepCostBalancedDecodeAllocator a = new StepCostBalancedDecodeAllocator(() -> 400);
        assertThat(a.allocate(List.of(Fixtures.request(1, 1_990, 10), Fixtures.request(2, 1_990, 10)), units).placed())
                .extracting(x -> x.unit().dpRank()).containsExactly(0, 1);
        // unknown X: the means-balanced key, rank 1 (1.85 against 2.15)
        assertThat(new StepCostBalancedDecodeAllocator(() -> Double.NaN).allocate(List.of(Fixtures.request(1, 10, 0)), units)
                .placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }
}

