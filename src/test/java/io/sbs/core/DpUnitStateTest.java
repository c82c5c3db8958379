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
    void availableCapacity_tracked_isChunkMinusInflightMinusBacklog() {
        unit.track(0, 1000, 500);
        assertThat(unit.inflightTokens()).isEqualTo(1000);
        assertThat(unit.deviceBacklogTokens()).isEqualTo(500);
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK - 1000 - 500);
    }

    @Test
    void availableCapacity_longPromptBeyondTheRunningPass_goesNegative() {
        unit.track(0, 5000, 0);
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK - 5000);
    }

    @Test
    void availableCapacity_tokensStartingAPassOfTheirOwn_leaveTheNextPassUntouched() {
        unit.track(1000, 0, 0);
        assertThat(unit.startingPassTokens()).isEqualTo(1000);
        assertThat(unit.availableCapacity()).isEqualTo(CHUNK);
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "3071, 3071", "3072, 3072", "3073, 3072", "70000, 3072"})
    void passCost_prompt_isPromptCappedAtChunk(int prompt, int cost) {
        assertThat(unit.passCost(prompt)).isEqualTo(cost);
    }

    @Test
    void dispatchPrefill_countsOutstandingTokensAndRequests_butNotTheNextPass() {
        unit.dispatchPrefill(5000);
        unit.dispatchPrefill(700);
        assertThat(unit.outstandingTokens()).isEqualTo(5700);
        assertThat(unit.outstandingRequests()).isEqualTo(2);
        assertThat(unit.availableCapacity()).as("the pass estimate, not the account, sets C_avail").isEqualTo(CHUNK);
    }

    @Test
    void completePrefill_releasesOutstanding_neverBelowZero() {
        unit.dispatchPrefill(700);
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
    void resetVolatile_decode_forgetsWhatWasSentAndNotReported_keepsTheReport() {
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
