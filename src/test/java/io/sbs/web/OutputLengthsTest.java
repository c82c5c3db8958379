package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.config.BoundSettings;
import io.sbs.config.SbsProperties;
import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.OutputLengthPredictor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code sbs.decode.*}: what the decode placement counts for a request's output. Invalid settings: {@code
 * SbsPropertiesTest}.
 */
class OutputLengthsTest {

    @Test
    void defaults_countMaxTokens_or256() {
        SbsProperties.Decode d = BoundSettings.defaults().decode();
        assertThat(d.knowledge()).isEqualTo(OutputLengthKnowledge.MAX_TOKENS);
        OutputLengths lengths = new OutputLengths(d);
        assertThat(lengths.expected("m", 100, null)).isEqualTo(256);
        assertThat(lengths.expected("m", 100, 40)).isEqualTo(40);
    }

    @Test
    void maxTokens_ignoresWhatFinishedRequestsProduced() {
        OutputLengths lengths = new OutputLengths(new SbsProperties.Decode("max-tokens", 512));
        for (int i = 0; i < 100; i++) {
            lengths.finished("m", 100, 30);
        }
        assertThat(lengths.expected("m", 100, null)).isEqualTo(512);
    }

    @Test
    void predicted_learnsFromFinishedRequests_cappedByMaxTokens() {
        OutputLengths lengths = new OutputLengths(BoundSettings.sbs(Map.of("sbs.decode.output-length", "predicted")).decode());
        assertThat(lengths.expected("m", 100, null)).isEqualTo(256);
        for (int i = 0; i < OutputLengthPredictor.MIN_SAMPLES; i++) {
            lengths.finished("m", 100, 700);
        }
        assertThat(lengths.expected("m", 100, null)).isEqualTo(700);
        assertThat(lengths.expected("m", 100, 300)).isEqualTo(300);
        assertThat(lengths.requested(null)).isEqualTo(256);
    }

}
