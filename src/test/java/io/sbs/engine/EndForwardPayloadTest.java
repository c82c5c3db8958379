package io.sbs.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.core.ForwardEndedEvent;
import org.junit.jupiter.api.Test;

class EndForwardPayloadTest {

    @Test
    void parse_push_becomesForwardEndedEventStampedOnTheDispatcherClock() {
        ForwardEndedEvent e = EndForwardPayload.parse("""
                {"instance_id":"prefill-1","duration_ms":61.5,"pass_tokens":[100,0],"received_tokens":[100,50],
                 "next_pass_tokens":[0,50],"backlog_tokens":[0,0]}""", 1_000_000_000L, 2_000_000L, id -> 2);
        assertThat(e.instanceId()).isEqualTo("prefill-1");
        assertThat(e.endedAtNanos()).isEqualTo(998_000_000L);
        assertThat(e.durationNanos()).isEqualTo(61_500_000L);
        assertThat(e.nextPassStarted()).isTrue();
        assertThat(e.receivedTokens()).containsExactly(100, 50);
    }

    @Test
    void parse_outsidePhysicalBounds_isRefusedWithItsReason() {
        String ok = "\"pass_tokens\":[1],\"received_tokens\":[1],\"next_pass_tokens\":[0],\"backlog_tokens\":[0]}";
        assertThat(reason("{\"instance_id\":\"a\",\"duration_ms\":1e300," + ok, 1))
                .isEqualTo(EndForwardPayload.Refused.Reason.OUT_OF_BOUNDS);
        assertThat(reason("{\"instance_id\":\"a\",\"duration_ms\":\"5\"," + ok, 1))
                .isEqualTo(EndForwardPayload.Refused.Reason.MALFORMED);
        assertThat(reason("{\"instance_id\":\"a\",\"duration_ms\":5," + ok, 2))
                .isEqualTo(EndForwardPayload.Refused.Reason.WRONG_SHAPE);
        assertThat(reason("{\"instance_id\":\"a\",\"duration_ms\":5," + ok, -1))
                .isEqualTo(EndForwardPayload.Refused.Reason.UNKNOWN_INSTANCE);
        assertThat(reason("{\"instance_id\":\"a\",\"duration_ms\":5,\"pass_tokens\":[99999999999999999999],"
                + "\"received_tokens\":[1],\"next_pass_tokens\":[0],\"backlog_tokens\":[0]}", 1))
                .isEqualTo(EndForwardPayload.Refused.Reason.OUT_OF_BOUNDS);
    }

    private static EndForwardPayload.Refused.Reason reason(String body, int dpUnits) {
        try {
            EndForwardPayload.parse(body, 0, 0, id -> dpUnits);
        } catch (EndForwardPayload.Refused e) {
            return e.reason();
        }
        throw new AssertionError("accepted: " + body);
    }

    @Test
    void parse_badPushes_areRejectedWithTheReason() {
        assertThatThrownBy(() -> EndForwardPayload.parse("{", 0, 0, id -> 1)).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> EndForwardPayload.parse("{\"duration_ms\":1}", 0, 0, id -> 1)).hasMessageContaining("instance_id");
        assertThatThrownBy(() -> EndForwardPayload.parse("{\"instance_id\":\"a\",\"duration_ms\":-1}", 0, 0, id -> 1))
                .hasMessageContaining("duration_ms");
        assertThatThrownBy(() -> EndForwardPayload.parse("""
                {"instance_id":"a","duration_ms":1,"pass_tokens":[1],"received_tokens":[1,2],
                 "next_pass_tokens":[0],"backlog_tokens":[0]}""", 0, 0, id -> 1)).hasMessageContaining("differ in length");
        assertThatThrownBy(() -> EndForwardPayload.parse("""
                {"instance_id":"a","duration_ms":1,"pass_tokens":[-1],"received_tokens":[1],
                 "next_pass_tokens":[0],"backlog_tokens":[0]}""", 0, 0, id -> 1)).hasMessageContaining("negative");
    }
}
