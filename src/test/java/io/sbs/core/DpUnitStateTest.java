package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DpUnitStateTest {

    private static final int CHUNK = 3072;

    private final DpUnitState unit = new DpUnitState(new DpUnitId("i", 0), Phase.PREFILL, CHUNK, Long.MAX_VALUE, 4);
    private final DpUnitState decode = new DpUnitState(new DpUnitId("d", 0), Phase.DECODE, 1, 10_000, 0);

    @Test
    void availableCapacity_fresh_isChunk() {
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK);
    }

    @Test
    void availableCapacity_afterDispatchAndBacklog_isChunkMinusInflightMinusBacklog() {
        unit.dispatchPrefill(1000, false);
        unit.reportBacklog(500);
        assertThat(unit.inflightTokens()).isEqualTo(1000);
        assertThat(unit.deviceBacklogTokens()).isEqualTo(500);
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK - 1000 - 500);
    }

    @Test
    void availableCapacity_longPromptIntoRunningInstance_goesNegative() {
        unit.dispatchPrefill(5000, false);
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK - 5000);
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "3071, 3071", "3072, 3072", "3073, 3072", "70000, 3072"})
    void passCost_prompt_isPromptCappedAtChunk(int prompt, int cost) {
        assertThat(unit.passCost(prompt)).isEqualTo(cost);
    }

    @Test
    void dispatchPrefill_shortPromptIntoIdleInstance_leavesNextPassUntouched() {
        unit.dispatchPrefill(1000, true);
        assertThat(unit.startingPassTokens()).isEqualTo(1000);
        assertThat(unit.inflightTokens()).isZero();
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK);
    }

    @Test
    void dispatchPrefill_longPromptIntoIdleInstance_onlyPartBeyondChunkCountsAgainstNextPass() {
        unit.dispatchPrefill(5000, true);
        assertThat(unit.startingPassTokens()).isEqualTo(CHUNK);
        assertThat(unit.inflightTokens()).isEqualTo(5000 - CHUNK);
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK - (5000 - CHUNK));
    }

    @Test
    void dispatchPrefill_intoRunningInstance_wholePromptCountsAgainstNextPass() {
        unit.dispatchPrefill(5000, false);
        assertThat(unit.startingPassTokens()).isZero();
        assertThat(unit.inflightTokens()).isEqualTo(5000);
    }

    @Test
    void dispatchPrefill_eitherWay_countsOutstandingTokensAndRequests() {
        unit.dispatchPrefill(5000, true);
        unit.dispatchPrefill(700, false);
        assertThat(unit.outstandingTokens()).isEqualTo(5700);
        assertThat(unit.outstandingRequests()).isEqualTo(2);
    }

    @Test
    void acknowledge_drainsStartingPassFirstThenInflight() {
        unit.dispatchPrefill(1000, true);
        unit.dispatchPrefill(500, false);
        unit.acknowledge(1200);
        assertThat(unit.startingPassTokens()).isZero();
        assertThat(unit.inflightTokens()).isEqualTo(300);
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK - 300);
    }

    @Test
    void acknowledge_moreThanDispatched_clampsAtZero() {
        unit.dispatchPrefill(500, false);
        unit.acknowledge(2000);
        assertThat(unit.inflightTokens()).isZero();
        assertThat(unit.startingPassTokens()).isZero();
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK);
    }

    @Test
    void acknowledge_keepsOutstandingUntilTheFirstTokenIsBack() {
        unit.dispatchPrefill(500, false);
        unit.acknowledge(500);
        assertThat(unit.outstandingTokens()).isEqualTo(500);
    }

    @Test
    void reportBacklog_replacesTheLastReport_andNegativeMeansZero() {
        unit.reportBacklog(800);
        unit.reportBacklog(300);
        assertThat(unit.deviceBacklogTokens()).isEqualTo(300);
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK - 300);
        unit.reportBacklog(-5);
        assertThat(unit.deviceBacklogTokens()).isZero();
    }

    @Test
    void inflightStartedPass_movesInflightIntoTheStartedPassUpToChunk() {
        unit.dispatchPrefill(1000, true);
        unit.dispatchPrefill(4000, false);
        unit.inflightStartedPass();
        assertThat(unit.startingPassTokens()).isEqualTo(CHUNK);
        assertThat(unit.inflightTokens()).isEqualTo(1000 + 4000 - CHUNK);
    }

    @Test
    void withdrawPrefill_afterADispatchIntoARunningInstance_restoresTheRoomAndOutstanding() {
        unit.dispatchPrefill(1000, false);
        unit.withdrawPrefill(1000, false);
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK);
        assertThat(unit.outstandingTokens()).isZero();
        assertThat(unit.outstandingRequests()).isZero();
    }

    @Test
    void withdrawPrefill_afterTheOnlyDispatchIntoAnIdleInstance_clearsTheStartedPass() {
        unit.dispatchPrefill(5000, true);
        unit.withdrawPrefill(5000, true);
        assertThat(unit.startingPassTokens()).isZero();
        assertThat(unit.inflightTokens()).isZero();
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK);
    }

    /**
     * A 1000-token prompt started the pass of an idle instance, a 500-token top-up followed for the next
     * pass; withdrawing the first must leave the top-up counted against the next pass.
     */
    @Test
    void withdrawPrefill_ofThePassStartingPrompt_keepsALaterTopUpCountedAgainstTheNextPass() {
        unit.dispatchPrefill(1000, true);
        unit.dispatchPrefill(500, false);
        unit.withdrawPrefill(1000, true);
        assertThat(unit.inflightTokens()).isEqualTo(500);
        assertThat(unit.startingPassTokens()).isZero();
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK - 500);
    }

    @Test
    void completePrefill_releasesOutstanding_neverBelowZero() {
        unit.dispatchPrefill(700, false);
        unit.completePrefill(700);
        assertThat(unit.outstandingTokens()).isZero();
        assertThat(unit.outstandingRequests()).isZero();
        unit.completePrefill(700);
        assertThat(unit.outstandingTokens()).isZero();
        assertThat(unit.outstandingRequests()).isZero();
    }

    @Test
    void decodeState_includesInflightUntilReported() {
        decode.reportDecode(3, 3000, 0, 0);
        decode.dispatchDecode(1500);
        assertThat(decode.batchSize()).isEqualTo(4);
        assertThat(decode.kvTokens()).isEqualTo(4500);
        decode.reportDecode(4, 4600, 1, 1500);
        assertThat(decode.batchSize()).isEqualTo(4);
        assertThat(decode.kvTokens()).isEqualTo(4600);
    }

    @Test
    void decodeState_sentButNotYetReceived_staysCountedOnTopOfTheReport() {
        decode.dispatchDecode(1500);
        decode.dispatchDecode(500);
        decode.reportDecode(2, 2000, 1, 1500);
        assertThat(decode.batchSize()).isEqualTo(3);
        assertThat(decode.kvTokens()).isEqualTo(2500);
    }

    @Test
    void reportDecode_receivedMoreThanSent_clampsInflightAtZero() {
        decode.dispatchDecode(100);
        decode.reportDecode(5, 900, 3, 1000);
        assertThat(decode.batchSize()).isEqualTo(5);
        assertThat(decode.kvTokens()).isEqualTo(900);
    }

    @Test
    void hasKvRoomFor_countsInflight_upToCapacityInclusive() {
        decode.reportDecode(1, 4000, 0, 0);
        decode.dispatchDecode(600);
        assertThat(decode.hasKvRoomFor(5400)).isTrue();
        assertThat(decode.hasKvRoomFor(5401)).isFalse();
    }

    @Test
    void completeDecode_releasesOneOutstandingRequest() {
        decode.dispatchDecode(100);
        decode.dispatchDecode(100);
        decode.completeDecode();
        assertThat(decode.outstandingRequests()).isEqualTo(1);
    }

    @Test
    void resetVolatile_forgetsUnacknowledgedStateAndBacklog_keepsReportsAndOutstanding() {
        unit.dispatchPrefill(5000, true);
        unit.dispatchPrefill(1000, false);
        unit.reportBacklog(2000);
        unit.resetVolatile();
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK);
        assertThat(unit.startingPassTokens()).isZero();
        assertThat(unit.outstandingTokens()).isEqualTo(6000);
        decode.reportDecode(2, 700, 0, 0);
        decode.dispatchDecode(300);
        decode.resetVolatile();
        assertThat(decode.batchSize()).isEqualTo(2);
        assertThat(decode.kvTokens()).isEqualTo(700);
    }

    @Test
    void cachedPrefixBlocks_countsTheLeadingRunOnly() {
        unit.rememberBlocks(new long[] {1, 2, 3});
        assertThat(unit.cachedPrefixBlocks(new long[] {1, 2, 3, 4})).isEqualTo(3);
        assertThat(unit.cachedPrefixBlocks(new long[] {1, 2, 9, 3})).isEqualTo(2);
        assertThat(unit.cachedPrefixBlocks(new long[] {9, 1, 2})).isZero();
        assertThat(unit.cachedPrefixBlocks(new long[0])).isZero();
    }

    @Test
    void rememberBlocks_beyondLimit_forgetsTheLeastRecentlyRemembered() {
        unit.rememberBlocks(new long[] {1, 2, 3});
        unit.rememberBlocks(new long[] {4, 5});
        assertThat(unit.cachedPrefixBlocks(new long[] {1})).isZero();
        assertThat(unit.cachedPrefixBlocks(new long[] {2, 3, 4, 5})).isEqualTo(4);
    }

    @Test
    void rememberBlocks_again_refreshesRecency() {
        unit.rememberBlocks(new long[] {1, 2, 3, 4});
        unit.rememberBlocks(new long[] {1});
        unit.rememberBlocks(new long[] {5});
        assertThat(unit.cachedPrefixBlocks(new long[] {1})).isEqualTo(1);
        assertThat(unit.cachedPrefixBlocks(new long[] {2})).isZero();
        assertThat(unit.cachedPrefixBlocks(new long[] {3, 4, 5})).isEqualTo(3);
    }

    @Test
    void rememberBlocks_limitZero_remembersNothing() {
        DpUnitState noCache = new DpUnitState(new DpUnitId("i", 1), Phase.PREFILL, CHUNK, Long.MAX_VALUE, 0);
        noCache.rememberBlocks(new long[] {1, 2});
        assertThat(noCache.cachedPrefixBlocks(new long[] {1, 2})).isZero();
    }

    @Test
    void constructor_nonPositiveChunkOrKvCapacity_isRejected() {
        DpUnitId id = new DpUnitId("i", 0);
        assertThatThrownBy(() -> new DpUnitState(id, Phase.PREFILL, 0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DpUnitState(id, Phase.DECODE, 1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dpUnitId_ordersByInstanceThenRank_andRejectsBadValues() {
        assertThat(new DpUnitId("a", 3)).isLessThan(new DpUnitId("b", 0));
        assertThat(new DpUnitId("a", 1)).isLessThan(new DpUnitId("a", 2));
        assertThat(new DpUnitId("a", 1)).hasToString("a/1");
        assertThatThrownBy(() -> new DpUnitId(" ", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DpUnitId("a", -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void releaseDecode_undoesItsDispatch_andNeverGoesNegative() {
        decode.dispatchDecode(2_000);
        decode.dispatchDecode(500);
        decode.releaseDecode(2_000);
        assertThat(decode.batchSize()).isEqualTo(1);
        assertThat(decode.kvTokens()).isEqualTo(500);
        decode.releaseDecode(500);
        decode.releaseDecode(500);
        assertThat(decode.batchSize()).isZero();
        assertThat(decode.kvTokens()).isZero();
        assertThat(decode.outstandingRequests()).isZero();
    }
}
