package io.sbs.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TicketStateTest {

    private final AtomicReference<TicketState> state = new AtomicReference<>(TicketState.WAITING);

    @Test
    void submitLocally_onlyOnceAndOnlyWhileWaiting() {
        assertThat(TicketState.submitLocally(state)).isTrue();
        assertThat(state).hasValue(TicketState.SUBMITTED);
        assertThat(TicketState.submitLocally(state)).isFalse();
    }

    @Test
    void decide_fromWaitingOrSubmitted_firstDecisionWins() {
        assertThat(TicketState.decide(state)).isTrue();
        assertThat(state).hasValue(TicketState.DECIDED);
        assertThat(TicketState.decide(state)).isFalse();

        AtomicReference<TicketState> submitted = new AtomicReference<>(TicketState.SUBMITTED);
        assertThat(TicketState.decide(submitted)).isTrue();
        assertThat(submitted).hasValue(TicketState.DECIDED);
    }

    @Test
    void submitLocally_afterADecision_isRefused() {
        TicketState.decide(state);
        assertThat(TicketState.submitLocally(state)).isFalse();
        assertThat(state).hasValue(TicketState.DECIDED);
    }

    @Test
    void prefillDone_onlyOnceAndOnlyAfterADecision() {
        assertThat(TicketState.prefillDone(state)).isFalse();
        assertThat(state).hasValue(TicketState.WAITING);
        TicketState.submitLocally(state);
        assertThat(TicketState.prefillDone(state)).isFalse();

        TicketState.decide(state);
        assertThat(TicketState.prefillDone(state)).isTrue();
        assertThat(state).hasValue(TicketState.PREFILL_DONE);
        assertThat(TicketState.prefillDone(state)).isFalse();
        assertThat(TicketState.decide(state)).isFalse();
        assertThat(TicketState.submitLocally(state)).isFalse();
    }

    @Test
    void decided_isTrueFromTheDecisionOn() {
        assertThat(TicketState.WAITING.decided()).isFalse();
        assertThat(TicketState.SUBMITTED.decided()).isFalse();
        assertThat(TicketState.DECIDED.decided()).isTrue();
        assertThat(TicketState.PREFILL_DONE.decided()).isTrue();
    }
}
