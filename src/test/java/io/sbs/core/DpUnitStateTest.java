package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DpUnitStateTest {

    private final DpUnitState unit = new DpUnitState(new DpUnitId("i", 0), Phase.PREFILL, 3072, Long.MAX_VALUE, 4);

    @Test
    void availableCapacity_afterDispatchAndBacklog_isChunkMinusInflightMinusBacklog() {
        unit.dispatchPrefill(1000, false);
        unit.reportBacklog(500);
        assertThat(unit.availableCapacity()).isEqualTo(3072 - 1000 - 500);
    }

    @Test
    void passCost_longPrompt_isCappedAtChunk() {
        assertThat(unit.passCost(10_000)).isEqualTo(3072);
        assertThat(unit.passCost(100)).isEqualTo(100);
    }

    @Test
    void dispatchIntoIdleInstance_longPrompt_onlyPartBeyondChunkCountsAgainstNextPass() {
        unit.dispatchPrefill(5000, true);
        assertThat(unit.inflightTokens()).isEqualTo(5000 - 3072);
        assertThat(unit.startingPassTokens()).isEqualTo(3072);
        assertThat(unit.outstandingTokens()).isEqualTo(5000);
    }

    @Test
    void acknowledge_drainsStartingPassFirstThenInflight() {
        unit.dispatchPrefill(1000, true);
        unit.dispatchPrefill(500, false);
        unit.acknowledge(1200);
        assertThat(unit.startingPassTokens()).isZero();
        assertThat(unit.inflightTokens()).isEqualTo(300);
    }

    @Test
    void completePrefill_releasesOutstandingTokens() {
        unit.dispatchPrefill(700, false);
        unit.completePrefill(700);
        assertThat(unit.outstandingTokens()).isZero();
        assertThat(unit.outstandingRequests()).isZero();
    }

    @Test
    void decodeState_includesInflightUntilReported() {
        DpUnitState d = new DpUnitState(new DpUnitId("d", 0), Phase.DECODE, 1, 10_000, 0);
        d.reportDecode(3, 3000, 0, 0);
        d.dispatchDecode(1500);
        assertThat(d.batchSize()).isEqualTo(4);
        assertThat(d.kvTokens()).isEqualTo(4500);
        d.reportDecode(4, 4600, 1, 1500);
        assertThat(d.batchSize()).isEqualTo(4);
        assertThat(d.kvTokens()).isEqualTo(4600);
        assertThat(d.hasKvRoomFor(5400)).isTrue();
        assertThat(d.hasKvRoomFor(5401)).isFalse();
    }

    @Test
    void cachedPrefixBlocks_countsLeadingRunOnly_andForgetsLeastRecentlyUsed() {
        unit.rememberBlocks(new long[] {1, 2, 3});
        assertThat(unit.cachedPrefixBlocks(new long[] {1, 2, 9, 3})).isEqualTo(2);
        assertThat(unit.cachedPrefixBlocks(new long[] {9, 1})).isZero();
        unit.rememberBlocks(new long[] {4, 5});
        assertThat(unit.cachedPrefixBlocks(new long[] {1})).isZero();
        assertThat(unit.cachedPrefixBlocks(new long[] {2, 3, 4, 5})).isEqualTo(4);
    }

    @Test
    void resetVolatile_forgetsUnacknowledgedState() {
        unit.dispatchPrefill(1000, false);
        unit.reportBacklog(2000);
        unit.resetVolatile();
        assertThat(unit.availableCapacity()).isEqualTo(3072);
    }
}
