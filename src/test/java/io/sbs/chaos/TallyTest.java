package io.sbs.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.chaos.ClientLoad.Outcome;
import io.sbs.chaos.ClientLoad.Result;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TallyTest {

    private static final long MS = 1_000_000;

    private static Result result(Outcome outcome, String detail, long sentMs, long endedMs) {
        return new Result("r", "a", sentMs * MS, endedMs * MS, outcome, detail);
    }

    @Test
    void of_mixedOutcomes_countsEachOutcomeAndEveryAnswerKind() {
        Tally t = Tally.of(List.of(result(Outcome.COMPLETED, "200", 0, 10), result(Outcome.COMPLETED, "200", 5, 20),
                result(Outcome.FAILED_WITH_ERROR, "503", 6, 7), result(Outcome.FAILED_WITH_ERROR, "IOException", 8, 9),
                result(Outcome.LOST, "timeout", 9, 30_009)));

        assertThat(t.sent()).isEqualTo(5);
        assertThat(t.completed()).isEqualTo(2);
        assertThat(t.failedWithError()).isEqualTo(2);
        assertThat(t.lost()).isEqualTo(1);
        assertThat(t.answers()).containsExactlyInAnyOrderEntriesOf(
                Map.of("200", 2L, "503", 1L, "IOException", 1L, "timeout", 1L));
    }

    @Test
    void plus_twoRuns_addsCountsAndMergesAnswers() {
        Tally a = Tally.of(List.of(result(Outcome.COMPLETED, "200", 0, 1), result(Outcome.LOST, "timeout", 0, 1)));
        Tally b = Tally.of(List.of(result(Outcome.COMPLETED, "200", 0, 1), result(Outcome.FAILED_WITH_ERROR, "502", 0, 1)));

        Tally sum = Tally.ZERO.plus(a).plus(b);

        assertThat(sum.sent()).isEqualTo(4);
        assertThat(sum.completed()).isEqualTo(2);
        assertThat(sum.failedWithError()).isEqualTo(1);
        assertThat(sum.lost()).isEqualTo(1);
        assertThat(sum.answers()).containsExactlyInAnyOrderEntriesOf(Map.of("200", 2L, "timeout", 1L, "502", 1L));
        assertThat(sum.toMap()).containsKeys("sent", "completed", "failed_with_error", "lost");
    }

    @Test
    void firstCompletionAfter_ignoresRequestsSentBeforeTheFaultAndFailures() {
        List<Result> results = List.of(
                result(Outcome.COMPLETED, "200", 900, 1_050), // in flight at the fault: says nothing of recovery
                result(Outcome.FAILED_WITH_ERROR, "503", 1_010, 1_020),
                result(Outcome.COMPLETED, "200", 1_100, 1_400),
                result(Outcome.COMPLETED, "200", 1_200, 1_300));

        assertThat(Tally.firstCompletionAfterMs(results, 1_000 * MS)).isEqualTo(300.0);
        assertThat(Tally.firstCompletionAfterMs(results, 2_000 * MS)).isNull();
    }

    @Test
    void longestPause_isTheWidestGapBetweenCompletions_orTheSilenceBeforeTheLoadStopped() {
        List<Result> results = List.of(result(Outcome.COMPLETED, "200", 0, 100), result(Outcome.COMPLETED, "200", 0, 200),
                result(Outcome.LOST, "timeout", 0, 5_000), result(Outcome.COMPLETED, "200", 0, 3_200));

        assertThat(Tally.longestPauseMs(results, 3_300 * MS)).isEqualTo(3_000.0);
        // nothing completed after 3.2 s until the load stopped at 9.2 s: that silence is the longest
        assertThat(Tally.longestPauseMs(results, 9_200 * MS)).isEqualTo(6_000.0);
        assertThat(Tally.longestPauseMs(List.of(), 9_200 * MS)).isZero();
    }

    @Test
    void spread_interpolatesPercentiles_andLeavesOutRunsWithoutTheFigure() {
        Double[] values = new Double[101];
        for (int i = 0; i <= 100; i++) {
            values[i] = (double) (100 - i) * 10; // 1000, 990, ..., 0: order must not matter
        }
        List<Double> withGaps = new java.util.ArrayList<>(Arrays.asList(values));
        withGaps.add(null);

        Map<String, Object> s = Tally.spread(withGaps);

        assertThat(s).containsExactly(Map.entry("p50", 500.0), Map.entry("p99", 990.0), Map.entry("max", 1000.0));
    }

    @Test
    void spread_oneRun_isThatRunEverywhere_andNoRunIsAllNull() {
        assertThat(Tally.spread(List.of(2_871.4))).containsExactly(Map.entry("p50", 2_871.4),
                Map.entry("p99", 2_871.4), Map.entry("max", 2_871.4));
        Map<String, Object> none = Tally.spread(Arrays.asList((Double) null));
        assertThat(none).containsOnlyKeys("p50", "p99", "max");
        assertThat(none.values()).containsOnlyNulls();
    }

    @Test
    void ms_roundsNanosToATenthOfAMillisecond() {
        assertThat(Tally.ms(3_172_349_999L)).isEqualTo(3_172.3);
        assertThat(Tally.ms(3_172_350_001L)).isEqualTo(3_172.4);
    }
}
