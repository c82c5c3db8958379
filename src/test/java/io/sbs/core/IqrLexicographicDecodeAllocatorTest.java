package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IqrLexicographicDecodeAllocatorTest {

    private final IqrLexicographicDecodeAllocator allocator = new IqrLexicographicDecodeAllocator(1.5);

    private static long[] values(String s) {
        return s.isBlank() ? new long[0] : java.util.Arrays.stream(s.trim().split(" +")).mapToLong(Long::parseLong).toArray();
    }

    @ParameterizedTest(name = "q{1} of [{0}] = {2}")
    @CsvSource({
            "10 20 30 40, 0.25, 17.5",
            "10 20 30 40, 0.5, 25",
            "10 20 30 40, 0.75, 32.5",
            "10 20 30 40, 0, 10",
            "10 20 30 40, 1, 40",
            "1 2 3 4 5, 0.25, 2",
            "1 2 3 4 5, 0.75, 4",
            "0 0 100, 0.75, 50",
            "1 2, 0.25, 1.25",
            "7, 0.25, 7",
            "7, 0.75, 7",
            "'', 0.5, 0"})
    void quantile_sortedValues_interpolatesLinearlyBetweenOrderStatistics(String sorted, double q, double expected) {
        assertThat(IqrLexicographicDecodeAllocator.quantile(values(sorted), q)).isCloseTo(expected, within(1e-9));
    }

    @ParameterizedTest(name = "θ of [{0}] with κ {1} = {2}")
    @CsvSource({
            "40 10 30 20, 1.5, 55",
            "40 10 30 20, 0, 32.5",
            "5 5 5 5, 1.5, 5",
            "100 0 0 0 0, 3, 0"})
    void threshold_unsortedValues_isQ3PlusKappaTimesIqr(String values, double kappa, double expected) {
        long[] v = values(values);
        long[] copy = v.clone();
        assertThat(IqrLexicographicDecodeAllocator.threshold(v, kappa)).isCloseTo(expected, within(1e-9));
        assertThat(v).as("input left unsorted").isEqualTo(copy);
    }

    @Test
    void allocate_unitAboveTheta_isMaskedEvenWithTheSmallestBatch() {
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {
                {5, 100, 1_000_000}, {5, 110, 1_000_000}, {5, 120, 1_000_000}, {5, 130, 1_000_000}, {1, 1000, 1_000_000}});
        // θ = 130 + 1.5 x (130 - 110) = 160
        Allocation a = allocator.allocate(List.of(request(1, 20, 0)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0);
    }

    @Test
    void allocate_unitTheRequestWouldCarryPastTheta_isMasked() {
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {
                {5, 100, 1_000_000}, {5, 110, 1_000_000}, {4, 120, 1_000_000}, {5, 130, 1_000_000}});
        // θ = 122.5 + 1.5 x 15 = 145: the smallest batch (unit 2) would reach 150, so the request goes to the
        // lexicographic minimum of the units it keeps under θ
        Allocation a = allocator.allocate(List.of(request(1, 30, 0)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(0);
    }

    @Test
    void allocate_lexicographic_batchFirst_thenKv_thenTheEarlierUnit() {
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {
                {2, 500, 1_000_000}, {3, 400, 1_000_000}, {2, 450, 1_000_000}, {2, 450, 1_000_000}});
        Allocation a = allocator.allocate(List.of(request(1, 10, 0)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(2);
    }

    @Test
    void allocate_inflightDispatchesCountInBatchAndKv() {
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {{1, 400, 1_000_000}, {1, 400, 1_000_000}});
        units.get(0).dispatchDecode(10);
        Allocation a = allocator.allocate(List.of(request(1, 10, 0)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_longestTotalFirst_andEachUnitUpdatedBeforeTheNextRequest() {
        List<DpUnitState> units = Fixtures.decodeUnits(1_000_000, 0, 0);
        Allocation a = allocator.allocate(List.of(request(1, 100, 0), request(2, 800, 100), request(3, 500, 0)), units);
        assertThat(a.placed()).extracting(x -> x.request().id(), x -> x.unit().dpRank())
                .containsExactly(tuple(2L, 0), tuple(3L, 1), tuple(1L, 1));
    }

    @Test
    void allocate_respectsKvMemory() {
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {{0, 100, 1_000}, {5, 100, 10_000}, {9, 100, 10_000}});
        // unit 0 has the smallest batch but no memory for 1000 tokens
        Allocation a = allocator.allocate(List.of(request(1, 800, 200)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_thetaMasksEveryUnitWithMemory_liftsTheMask_forTheLexicographicMinimumWithMemory() {
        // identical loads: IQR 0, θ = 1000, so any request carries every unit past θ
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {
                {4, 1000, 2_000}, {2, 1000, 1_500}, {3, 1000, 100_000}, {3, 1000, 100_000}});
        Allocation a = allocator.allocate(List.of(request(1, 600, 0), request(2, 400, 0)), units);
        // 600: unit 1 lacks memory (1600 > 1500), so the minimum with memory is unit 2 (b 3, k 1000, earlier)
        // 400: unit 1 (b 2) now has memory
        assertThat(a.placed()).extracting(x -> x.request().id(), x -> x.unit().dpRank())
                .containsExactly(tuple(1L, 2), tuple(2L, 1));
        assertThat(a.pending()).isEmpty();
    }

    @Test
    void allocate_outlierUnitBelowThetaButOthersFull_takesTheRequestTheOthersCannotHold() {
        List<DpUnitState> units = Fixtures.decodeUnits(10_000, 9_500, 9_500, 9_500, 9_500, 5_000);
        Allocation a = allocator.allocate(List.of(request(2, 3_000, 1_000)), units);
        assertThat(a.placed()).extracting(x -> x.unit().dpRank()).containsExactly(4);
    }

    @Test
    void allocate_noUnitHasMemory_leavesTheRequestPending_andPlacesTheRest() {
        List<DpUnitState> units = Fixtures.decodeUnits(1000, 900, 950);
        Allocation a = allocator.allocate(List.of(request(1, 200, 0), request(2, 50, 0)), units);
        assertThat(a.placed()).extracting(x -> x.request().id()).containsExactly(2L);
        assertThat(a.pending()).extracting(InferenceRequest::id).containsExactly(1L);
    }

    @Test
    void allocate_noUnits_leavesEverythingPending() {
        Allocation a = allocator.allocate(List.of(request(1, 200, 0), request(2, 300, 0)), List.of());
        assertThat(a.placed()).isEmpty();
        assertThat(a.pending()).hasSize(2);
    }

    @Test
    void allocate_leavesTheUnitsUntouched() {
        List<DpUnitState> units = Fixtures.decodeUnits(1_000_000, 10, 20);
        allocator.allocate(List.of(request(1, 200, 0)), units);
        assertThat(units).extracting(DpUnitState::kvTokens).containsExactly(10L, 20L);
        assertThat(units).extracting(DpUnitState::batchSize).containsExactly(0, 0);
    }

    @Test
    void constructor_negativeOrNanKappa_isRejected() {
        assertThatThrownBy(() -> new IqrLexicographicDecodeAllocator(-0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new IqrLexicographicDecodeAllocator(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Regression (fixed in 7604240): a unit chosen with the mask lifted must leave the heap before its
     * {@code (b, k)} grows. Units {@code (b, k, capacity)}; θ = 100 + 1.5 x 100 = 250. The 50000-token
     * request fits only unit 1's memory and lifts the mask; the next three go to units 0, 2 and 3
     * ({@code (1, 0)}, the minimum); with unit 1's key changed inside the heap, the heap hid unit 3 behind
     * it and returned unit 0 ({@code (1, 30)}).
     */
    @Test
    void allocate_afterMaskLift_nextChoicesStayLexicographicMinimum() {
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {
                {0, 0, 1_000}, {0, 100, 100_000}, {0, 200, 1_000}, {1, 0, 1_000}, {1, 100, 1_000}, {2, 0, 1_000},
                {2, 100, 1_000}});
        Allocation a = allocator.allocate(List.of(request(1, 50_000, 0), request(2, 30, 0), request(3, 20, 0),
                request(4, 10, 0)), units);
        assertThat(a.placed()).extracting(x -> x.request().id(), x -> x.unit().dpRank())
                .containsExactly(tuple(1L, 1), tuple(2L, 0), tuple(3L, 2), tuple(4L, 3));
    }

    @Test
    void allocate_literalReading_masksOnlyUnitsAlreadyPastTheta() {
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {
                {5, 100, 1_000_000}, {5, 110, 1_000_000}, {4, 120, 1_000_000}, {5, 130, 1_000_000}});
        // θ = 145: unit 2 (the smallest batch) is under it now, so the literal reading lets it take the
        // request that carries it to 150; the look-ahead reading does not (the test above)
        IqrLexicographicDecodeAllocator literal = new IqrLexicographicDecodeAllocator(1.5,
                IqrLexicographicDecodeAllocator.MaskReading.LITERAL, IqrLexicographicDecodeAllocator.Selection.LEXICOGRAPHIC);
        assertThat(literal.allocate(List.of(request(1, 30, 0)), units).placed())
                .extracting(x -> x.unit().dpRank()).containsExactly(2);
    }

    @Test
    void allocate_balancedSelection_weighsKvAndBatchAgainstTheirMeans() {
        // means: batch 10, kv 1,000 (θ far above). Lexicographic takes the smallest batch (rank 1, KV 1,500);
        // balanced: rank 0 = 0.8 + 1.2 = 2.0, rank 1 = 1.5 + 0.6 = 2.1, rank 2 = 0.7 + 1.2 = 1.9
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {
                {12, 800, 1_000_000}, {6, 1_500, 1_000_000}, {12, 700, 1_000_000}});
        IqrLexicographicDecodeAllocator balanced = new IqrLexicographicDecodeAllocator(100,
                IqrLexicographicDecodeAllocator.MaskReading.LOOK_AHEAD, IqrLexicographicDecodeAllocator.Selection.BALANCED);
        IqrLexicographicDecodeAllocator kvFirst = new IqrLexicographicDecodeAllocator(100,
                IqrLexicographicDecodeAllocator.MaskReading.LOOK_AHEAD, IqrLexicographicDecodeAllocator.Selection.KV_FIRST);
        assertThat(balanced.allocate(List.of(request(1, 10, 0)), units).placed())
                .extracting(x -> x.unit().dpRank()).containsExactly(2);
        assertThat(new IqrLexicographicDecodeAllocator(100).allocate(List.of(request(1, 10, 0)), units).placed())
                .extracting(x -> x.unit().dpRank()).containsExactly(1);
        assertThat(kvFirst.allocate(List.of(request(1, 10, 0)), units).placed())
                .extracting(x -> x.unit().dpRank()).containsExactly(2);
    }

    @Test
    void allocate_balancedSelection_maskLifted_choosesByTheSameKey() {
        // θ = 1,150 + 1.5 x 100 = 1,300 masks everyone for a 2,000-token request; lifted, the balanced key
        // (means: batch 5, kv 1,100) picks rank 0 (0.4 + 0.91 = 1.31) over rank 1, the smallest batch
        // (0.2 + 1.18 = 1.38) the lexicographic order would take
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {
                {2, 1_000, 1_000_000}, {1, 1_300, 1_000_000}, {12, 1_000, 1_000_000}});
        IqrLexicographicDecodeAllocator balanced = new IqrLexicographicDecodeAllocator(1.5,
                IqrLexicographicDecodeAllocator.MaskReading.LOOK_AHEAD, IqrLexicographicDecodeAllocator.Selection.BALANCED);
        assertThat(balanced.allocate(List.of(request(1, 1_990, 10)), units).placed())
                .extracting(x -> x.unit().dpRank()).containsExactly(0);
        assertThat(allocator.allocate(List.of(request(1, 1_990, 10)), units).placed())
                .extracting(x -> x.unit().dpRank()).containsExactly(1);
    }

    @Test
    void allocate_stepCostSelection_weighsBatchByTheLearnedTokensPerRequest_balancedUntilKnown() {
        // rank 0: 30 requests, 60K; rank 1: 20 requests, 66K. At X = 400 (KV-bound) rank 0 costs 72K against
        // 74K; at X = 1,000, 90K against 86K. Unknown X: balanced (means 25, 63K): 2.15 against 1.85
        List<DpUnitState> units = Fixtures.decodeUnits(new long[][] {{30, 60_000, 1_000_000}, {20, 66_000, 1_000_000}});
        for (double[] c : new double[][] {{400, 0}, {1_000, 1}, {Double.NaN, 1}}) {
            IqrLexicographicDecodeAllocator stepCost = new IqrLexicographicDecodeAllocator(100,
                    IqrLexicographicDecodeAllocator.MaskReading.LOOK_AHEAD, IqrLexicographicDecodeAllocator.Selection.STEP_COST,
                    () -> c[0]);
            assertThat(stepCost.allocate(List.of(request(1, 10, 0)), units).placed())
                    .extracting(x -> x.unit().dpRank()).as("X = %s", c[0]).containsExactly((int) c[1]);
        }
    }
}
