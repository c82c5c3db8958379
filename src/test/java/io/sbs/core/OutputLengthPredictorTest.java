package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OutputLengthPredictorTest {

    private static void observe(OutputLengthPredictor p, String model, int prompt, int output, int times) {
        for (int i = 0; i < times; i++) {
            p.observe(model, prompt, output);
        }
    }

    @Test
    void predict_fewerThanMinSamples_answersTheFallback() {
        OutputLengthPredictor p = new OutputLengthPredictor();
        observe(p, "m", 1_000, 900, OutputLengthPredictor.MIN_SAMPLES - 1);
        assertThat(p.predict("m", 1_000, 256, Integer.MAX_VALUE)).isEqualTo(256);
        p.observe("m", 1_000, 900);
        assertThat(p.predict("m", 1_000, 256, Integer.MAX_VALUE)).isEqualTo(900);
    }

    @Test
    void predict_perPromptBucket_learnsEachBucketsOwnMean() {
        OutputLengthPredictor p = new OutputLengthPredictor();
        observe(p, "m", 100, 50, 64);
        observe(p, "m", 3_000, 700, 64);
        assertThat(p.predict("m", 120, 256, Integer.MAX_VALUE)).isEqualTo(50);
        assertThat(p.predict("m", 2_500, 256, Integer.MAX_VALUE)).isEqualTo(700);
    }

    @Test
    void predict_unseenBucket_answersTheModelsMean() {
        OutputLengthPredictor p = new OutputLengthPredictor();
        // 60 requests: the plain mean (the exponential weighting starts after 64)
        observe(p, "m", 100, 100, 30);
        observe(p, "m", 3_000, 300, 30);
        assertThat(p.predict("m", 20_000, 256, Integer.MAX_VALUE)).isEqualTo(200);
    }

    @Test
    void predict_neverExceedsTheClientsMaxTokens_andIsAtLeastOne() {
        OutputLengthPredictor p = new OutputLengthPredictor();
        observe(p, "m", 100, 2_000, 64);
        assertThat(p.predict("m", 100, 256, 300)).isEqualTo(300);
        observe(p, "z", 100, 0, 64);
        assertThat(p.predict("z", 100, 256, Integer.MAX_VALUE)).isEqualTo(1);
    }

    @Test
    void predict_modelsAreKeptApart() {
        OutputLengthPredictor p = new OutputLengthPredictor();
        observe(p, "chat", 500, 800, 64);
        observe(p, "code", 500, 200, 64);
        assertThat(p.predict("chat", 500, 256, Integer.MAX_VALUE)).isEqualTo(800);
        assertThat(p.predict("code", 500, 256, Integer.MAX_VALUE)).isEqualTo(200);
        assertThat(p.predict("other", 500, 256, Integer.MAX_VALUE)).isEqualTo(256);
    }

    @Test
    void observe_recentRequestsWeighMore_thanTheFirstOnes() {
        OutputLengthPredictor p = new OutputLengthPredictor();
        observe(p, "m", 500, 100, 1_000);
        observe(p, "m", 500, 1_000, 200);
        // 200 observations at weight 1/64 close all but e^(-200/64) ≈ 4 % of the gap
        assertThat(p.predict("m", 500, 256, Integer.MAX_VALUE)).isBetween(940, 1_000);
    }

    @Test
    void observe_manyModelNames_boundedByMaxModels() {
        OutputLengthPredictor p = new OutputLengthPredictor();
        for (int i = 0; i < OutputLengthPredictor.MAX_MODELS + 100; i++) {
            observe(p, "model-" + i, 500, 400, 40);
        }
        assertThat(p.observed("model-0")).isEqualTo(40);
        assertThat(p.observed("model-" + (OutputLengthPredictor.MAX_MODELS + 50))).isZero();
        // names beyond the bound share one entry, which has learned from all of them
        assertThat(p.predict("never-seen", 500, 256, Integer.MAX_VALUE)).isEqualTo(400);
    }

    @Test
    void estimator_maxTokens_countsTheRequested_predicted_countsTheEstimate() {
        OutputLengthEstimator max = new OutputLengthEstimator(OutputLengthKnowledge.MAX_TOKENS);
        OutputLengthEstimator predicted = new OutputLengthEstimator(OutputLengthKnowledge.PREDICTED);
        for (int i = 0; i < 64; i++) {
            max.finished("m", 500, 90);
            predicted.finished("m", 500, 90);
        }
        assertThat(max.expected("m", 500, 256, false)).isEqualTo(256);
        assertThat(max.observed("m")).isEqualTo(64);
        assertThat(predicted.expected("m", 500, 256, false)).isEqualTo(90);
        assertThat(predicted.expected("m", 500, 50, true)).isEqualTo(50);
    }

    @Test
    void estimator_oracle_isRefused() {
        assertThatThrownBy(() -> new OutputLengthEstimator(OutputLengthKnowledge.ORACLE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max-tokens or predicted");
    }

    @Test
    void knowledge_parse_readsTags() {
        assertThat(OutputLengthKnowledge.parse("max-tokens")).isEqualTo(OutputLengthKnowledge.MAX_TOKENS);
        assertThat(OutputLengthKnowledge.parse(" Predicted ")).isEqualTo(OutputLengthKnowledge.PREDICTED);
        assertThat(OutputLengthKnowledge.MAX_TOKENS.tag()).isEqualTo("max-tokens");
        assertThatThrownBy(() -> OutputLengthKnowledge.parse("psychic")).hasMessageContaining("known: oracle");
    }
}
