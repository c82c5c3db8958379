package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DecodeLedgerTest {

    private static final DpUnitId D0 = new DpUnitId("d0", 0);
    private static final DpUnitId D1 = new DpUnitId("d0", 1);

    private final DecodeLedger ledger = new DecodeLedger();

    @Test
    void acknowledge_sentBeforeTheLandingBound_countsAsReceivedOnItsUnit() {
        ledger.sent(D0, 0, 100);
        ledger.sent(D0, 2 * MS, 50);
        ledger.sent(D1, 1 * MS, 70);

        DecodeStepEndedEvent e = ledger.acknowledge("d0", new int[] {2, 1}, new long[] {150, 70}, 10 * MS, 5 * MS);

        assertThat(e.receivedRequests()).containsExactly(2, 1);
        assertThat(e.receivedKvTokens()).containsExactly(150, 70);
        assertThat(e.batch()).containsExactly(2, 1);
        assertThat(e.kvTokens()).containsExactly(150, 70);
        assertThat(e.endedAtNanos()).isEqualTo(10 * MS);
        assertThat(ledger.unacknowledged(D0)).isZero();
    }

    @Test
    void acknowledge_sentWithinTheLandingBound_waitsForALaterReport() {
        ledger.sent(D0, 0, 100);
        ledger.sent(D0, 8 * MS, 50);

        DecodeStepEndedEvent first = ledger.acknowledge("d0", new int[] {1}, new long[] {100}, 10 * MS, 5 * MS);
        DecodeStepEndedEvent second = ledger.acknowledge("d0", new int[] {2}, new long[] {150}, 20 * MS, 5 * MS);

        assertThat(first.receivedRequests()).containsExactly(1);
        assertThat(first.receivedKvTokens()).containsExactly(100);
        assertThat(second.receivedRequests()).containsExactly(1);
        assertThat(second.receivedKvTokens()).containsExactly(50);
    }

    @Test
    void acknowledge_isInDecisionOrder_soALaterSendWaitsBehindAnEarlierOne() {
        ledger.sent(D0, 9 * MS, 10); // decided late
        ledger.sent(D0, 0, 20);

        DecodeStepEndedEvent e = ledger.acknowledge("d0", new int[] {1}, new long[] {20}, 10 * MS, 5 * MS);

        assertThat(e.receivedRequests()).containsExactly(0);
        assertThat(ledger.unacknowledged(D0)).isEqualTo(2);
    }

    @Test
    void acknowledge_durationIsTheTimeSinceThePreviousSample_oneForTheFirstOrOutOfOrder() {
        assertThat(ledger.acknowledge("d0", new int[] {0}, new long[] {0}, 10 * MS, 0).durationNanos()).isEqualTo(1);
        assertThat(ledger.acknowledge("d0", new int[] {0}, new long[] {0}, 25 * MS, 0).durationNanos())
                .isEqualTo(15 * MS);
        assertThat(ledger.acknowledge("d0", new int[] {0}, new long[] {0}, 20 * MS, 0).durationNanos()).isEqualTo(1);
    }

    @Test
    void withdraw_removesThatSendOnly_byIdentity() {
        DecodeLedger.Sent a = ledger.sent(D0, 0, 100);
        ledger.sent(D0, 0, 100); // same figures, another request

        ledger.withdraw(D0, a);
        DecodeStepEndedEvent e = ledger.acknowledge("d0", new int[] {1}, new long[] {100}, 10 * MS, 0);

        assertThat(e.receivedRequests()).containsExactly(1);
        assertThat(e.receivedKvTokens()).containsExactly(100);
    }

    @Test
    void withdraw_afterTheAcknowledgement_changesNothing() {
        DecodeLedger.Sent a = ledger.sent(D0, 0, 100);
        ledger.acknowledge("d0", new int[] {1}, new long[] {100}, 10 * MS, 0);

        ledger.withdraw(D0, a);
        ledger.withdraw(new DpUnitId("gone", 0), a);

        assertThat(ledger.unacknowledged(D0)).isZero();
    }

    @Test
    void forget_dropsTheInstancesSendsAndItsLastSample() {
        ledger.sent(D0, 0, 100);
        ledger.sent(D1, 0, 100);
        ledger.acknowledge("d0", new int[] {0, 0}, new long[] {0, 0}, -1, 0);
        ledger.sent(D0, 0, 100);

        ledger.forget("d0", 2);

        assertThat(ledger.unacknowledged(D0)).isZero();
        assertThat(ledger.unacknowledged(D1)).isZero();
        DecodeStepEndedEvent e = ledger.acknowledge("d0", new int[] {0, 0}, new long[] {0, 0}, 10 * MS, 0);
        assertThat(e.receivedRequests()).containsExactly(0, 0);
        assertThat(e.durationNanos()).isEqualTo(1);
    }
}
