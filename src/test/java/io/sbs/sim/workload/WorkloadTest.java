package io.sbs.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sbs.sim.WorkloadRequest;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void generate_sameSeed_sameList_differentSeed_differentList() {
        List<WorkloadRequest> a = WorkloadGenerator.generate(new PoissonArrivals(50), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, 500, 9);
        List<WorkloadRequest> b = WorkloadGenerator.generate(new PoissonArrivals(50), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, 500, 9);
        List<WorkloadRequest> c = WorkloadGenerator.generate(new PoissonArrivals(50), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, 500, 10);
        assertThat(b).extracting(WorkloadRequest::arrivalNanos).isEqualTo(a.stream().map(WorkloadRequest::arrivalNanos).toList());
        assertThat(b).extracting(WorkloadRequest::promptTokens).isEqualTo(a.stream().map(WorkloadRequest::promptTokens).toList());
        assertThat(c).extracting(WorkloadRequest::promptTokens).isNotEqualTo(a.stream().map(WorkloadRequest::promptTokens).toList());
        assertThat(a).extracting(WorkloadRequest::arrivalNanos).isSorted();
    }

    @Test
    void poisson_meanGap_isOneOverQps() {
        PoissonArrivals p = new PoissonArrivals(200);
        SplittableRandom r = new SplittableRandom(1);
        double sum = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            sum += p.nextGapNanos(r);
        }
        assertThat(sum / n / 1e9).isCloseTo(1 / 200.0, within(0.03 / 200));
    }

    @Test
    void bursty_longRunRate_isTheMean_andGapsAreMoreVariableThanPoisson() {
        BurstyArrivals b = new BurstyArrivals(100, 5, 2);
        SplittableRandom r = new SplittableRandom(2);
        int n = 400_000;
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double g = b.nextGapNanos(r) / 1e9;
            sum += g;
            sumSq += g * g;
        }
        double mean = sum / n;
        assertThat(1 / mean).isCloseTo(100, within(5.0));
        double cv = Math.sqrt(sumSq / n - mean * mean) / mean;
        assertThat(cv).isGreaterThan(1.1);
    }

    @Test
    void truncatedLogNormal_meanAndBounds() {
        for (LengthDistribution d : List.of(PaperWorkloads.SHORT_PROMPTS, PaperWorkloads.LONG_PROMPTS,
                PaperWorkloads.DECODE_PROMPTS)) {
            TruncatedLogNormal t = (TruncatedLogNormal) d;
            SplittableRandom r = new SplittableRandom(3);
            double sum = 0;
            int n = 100_000;
            for (int i = 0; i < n; i++) {
                int v = t.sample(r);
                assertThat(v).isBetween(t.min(), t.max());
                sum += v;
            }
            assertThat(sum / n).isCloseTo(t.mean(), within(0.03 * t.mean()));
        }
        assertThat(PaperWorkloads.SHORT_PROMPTS.mean()).isCloseTo(1024, within(20.0));
        assertThat(PaperWorkloads.LONG_PROMPTS.mean()).isCloseTo(6700, within(130.0));
    }

    @Test
    void timeScale_two_halvesEveryGap() {
        List<WorkloadRequest> in = List.of(new WorkloadRequest(1_000, 5, 5), new WorkloadRequest(3_000, 6, 6),
                new WorkloadRequest(7_000, 7, 7));
        assertThat(TimeScale.scale(in, 2)).extracting(WorkloadRequest::arrivalNanos).containsExactly(500L, 1_500L, 3_500L);
    }
}
