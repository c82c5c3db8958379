package io.sbs.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.DpUnitId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AdmissionCodecTest {

    private final AdmissionCodec codec = new AdmissionCodec();

    @Test
    void roundTrip_everyKind_decodesToWhatWasEncoded() {
        AdmissionMessage[] messages = {
                new AdmissionMessage.Accepted(),
                new AdmissionMessage.PrefillDone("1700000000000-0", 4, false),
                new AdmissionMessage.PrefillDone("1700000000000-1", 5, true),
                new AdmissionMessage.EndForward("{\"instance_id\": \"prefill-0\", \"pass_tokens\": [1, 2]}"),
                new AdmissionMessage.Assignment("42", 7, new DpUnitId("prefill-0", 3), null),
                new AdmissionMessage.Assignment("43", 7, new DpUnitId("prefill-1", 0), new DpUnitId("decode-0", 2)),
        };
        for (AdmissionMessage m : messages) {
            assertThat(codec.decode(codec.encode(m))).as(codec.encode(m)).isEqualTo(m);
        }
        assertThat(codec.rejected()).isZero();
    }

    @Test
    void encode_opensWithTheVersion() {
        assertThat(codec.encode(new AdmissionMessage.Accepted())).isEqualTo(AdmissionCodec.VERSION + " accepted");
        assertThat(codec.encode(new AdmissionMessage.Assignment("42", 7, new DpUnitId("p", 3), null)))
                .isEqualTo("1 assign 42 7 p 3");
        assertThat(codec.encode(new AdmissionMessage.PrefillDone("42", 7, true)))
                .isEqualTo("1 prefill-done 42 7 first-token");
    }

    @Test
    void decode_anotherVersion_isDroppedAndCounted() {
        assertThat(codec.decode("2 accepted")).isNull();
        assertThat(codec.decode("0 assign 42 7 p 3")).isNull();
        assertThat(codec.rejected()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "accepted", "prefill-done 42 7", "42 7 p 3", "1", "1 ", "1 accepted now",
            "1 assign 42 7 p", "1 assign 42 x p 3", "1 assign 42 7 p -1", "1 assign 42 7 p 3 d",
            "1 assign  7 p 3", "1 prefill-done 42", "1 prefill-done 42 7 last-token", "1 prefill-done 42 seven",
            "1 unknown-kind a b", "x accepted", "99999999999 accepted"})
    void decode_malformed_isDroppedAndCountedWithoutThrowing(String text) {
        assertThat(codec.decode(text)).isNull();
        assertThat(codec.rejected()).isEqualTo(1);
    }

    @Test
    void decode_endForward_keepsThePayloadToTheEndOfTheLine() {
        assertThat(codec.decode("1 end-forward a b  c\nd")).isEqualTo(new AdmissionMessage.EndForward("a b  c\nd"));
    }
}
