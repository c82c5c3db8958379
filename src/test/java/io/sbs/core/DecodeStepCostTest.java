package io.sbs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DecodeStepCostTest {

    /** Steps of the simulator's model: {@code t0 + max_d(α k_d + β b_d) + shared Σ b}, jittered by 3 %. */
    private static void feed(DecodeStepCost cost, int steps, double kvMsPerKToken, double batchMsPerRequest, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int s = 0; s < steps; s++) {
            int[] b = new int[32];
            long[] k = new long[32];
            double straggler = 0;
            int sum = 0;
            for (int d = 0; d < 32; d++) {
                b[d] = 25 + random.nextInt(21);
                k[d] = b[d] * 2_000L + random.nextInt(40_000) - 20_000;
                sum += b[d];
                straggler = Math.max(straggler, kvMsPerKToken * k[d] / 1000 + batchMsPerRequest * b[d]);
            }
            double ms = (3 + straggler + 0.005 * sum) * (1 + 0.03 * (2 * random.nextDouble() - 1));
            cost.observe(Math.round(ms * 1e6), b, k);
        }
    }

    @ParameterizedTest(name = "α {0} ms/1K, β {1} ms: X = {2}")
    @CsvSource({"0.25, 0.1, 400", "0.06, 0.08, 1333", "0.1, 0.5, 5000"})
    void tokensPerRequest_stepsOfTheStragglerModel_recoversBetaOverAlpha(double alpha, double beta, double x) {
        DecodeStepCost cost = new DecodeStepCost();
        feed(cost, 3_000, alpha, beta, 7);
        assertThat(cost.tokensPerRequest()).isCloseTo(x, within(x * 0.2));
    }

    @Test
    void tokensPerRequest_beforeEnoughSteps_isUnknown() {
        DecodeStepCost cost = new DecodeStepCost();
        assertThat(cost.tokensPerRequest()).isNaN();
        feed(cost, DecodeStepCost.MIN_OBSERVATIONS - 1, 0.25, 0.1, 1);
        assertThat(cost.tokensPerRequest()).isNaN();
        feed(cost, 1, 0.25, 0.1, 2);
        assertThat(cost.tokensPerRequest()).isFinite();
    }

    @Test
    void tokensPerRequest_stepTimesUnrelatedToLoad_isUnknown() {
        // a constant step: no X gives the line a positive slope
        DecodeStepCost cost = new DecodeStepCost();
        for (int s = 0; s < 500; s++) {
            cost.observe(40_000_000L, new int[] {s % 7, 3}, new long[] {1_000L * (s % 11), 500});
        }
        assertThat(cost.tokensPerRequest()).isNaN();
    }

    @Test
    void tokensPerRequest_modelChanges_followsTheNewOne() {
        DecodeStepCost cost = new DecodeStepCost();
        feed(cost, 3_000, 0.25, 0.1, 3);
        feed(cost, 12_000, 0.06, 0.08, 4);
        assertThat(cost.tokensPerRequest()).isCloseTo(1333, within(1333 * 0.2));
    }

    @Test
    void clusterState_stepTimedOnADecodeInstance_pairsItWithTheUnitsView() {
        ClusterState c = new ClusterState(SchedulingPolicy.defaults(PolicyRegistry.SBS));
        c.addInstance("d0", Phase.DECODE, 2, 1, 1_000_000, 0);
        for (int s = 0; s < DecodeStepCost.MIN_OBSERVATIONS; s++) {
            c.onDecodeStepTimed("d0", 40_000_000L);
            c.onDecodeStepTimed("unknown", 40_000_000L);
        }
        assertThat(c.decodeStepCost().observations()).isEqualTo(DecodeStepCost.MIN_OBSERVATIONS);
    }
}
