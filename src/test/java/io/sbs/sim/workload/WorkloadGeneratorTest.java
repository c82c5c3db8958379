package io.sbs.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.sim.WorkloadRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadGeneratorTest {

    @Test
    void generate_sameSeed_identicalList() {
        List<WorkloadRequest> a = WorkloadGenerator.generate(new PoissonArrivals(30), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, 5_000, 17);
        List<WorkloadRequest> b = WorkloadGenerator.generate(new PoissonArrivals(30), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, 5_000, 17);
        assertThat(a).usingRecursiveFieldByFieldElementComparator().isEqualTo(b);
    }

    @Test
    void generate_differentSeed_differentList() {
        List<WorkloadRequest> a = WorkloadGenerator.generate(new PoissonArrivals(30), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, 100, 1);
        List<WorkloadRequest> b = WorkloadGenerator.generate(new PoissonArrivals(30), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, 100, 2);
        assertThat(a.stream().map(WorkloadRequest::arrivalNanos).toList())
                .isNotEqualTo(b.stream().map(WorkloadRequest::arrivalNanos).toList());
    }

    @Test
    void generate_reusedBurstyProcess_identicalList() {
        BurstyArrivals arrivals = new BurstyArrivals(40, 4, 2);
        List<WorkloadRequest> a = WorkloadGenerator.generate(arrivals, PaperWorkloads.DECODE_PROMPTS,
                PaperWorkloads.DECODE_OUTPUTS, 2_000, 3);
        List<WorkloadRequest> b = WorkloadGenerator.generate(arrivals, PaperWorkloads.DECODE_PROMPTS,
                PaperWorkloads.DECODE_OUTPUTS, 2_000, 3);
        assertThat(a).usingRecursiveFieldByFieldElementComparator().isEqualTo(b);
    }

    @Test
    void generate_arrivals_cumulativeFromZeroAndNondecreasing() {
        List<WorkloadRequest> w = WorkloadGenerator.generate(new PoissonArrivals(100), new UniformLengths(1, 10),
                new UniformLengths(1, 10), 1_000, 5);
        assertThat(w).hasSize(1_000);
        assertThat(w.get(0).arrivalNanos()).isNotNegative().isLessThan(200_000_000L);
        for (int i = 1; i < w.size(); i++) {
            assertThat(w.get(i).arrivalNanos()).isGreaterThanOrEqualTo(w.get(i - 1).arrivalNanos());
        }
        // 1000 arrivals at 100 QPS take about 10 s
        assertThat(w.get(w.size() - 1).arrivalNanos() / 1e9).isBetween(9.0, 11.0);
        assertThat(w).allSatisfy(r -> assertThat(r.blockHashes()).isEmpty());
    }

    @Test
    void generate_otherRateSameSeed_sameLengths() {
        List<WorkloadRequest> slow = WorkloadGenerator.generate(new PoissonArrivals(10), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, 500, 8);
        List<WorkloadRequest> fast = WorkloadGenerator.generate(new PoissonArrivals(90), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, 500, 8);
        assertThat(fast.stream().map(WorkloadRequest::promptTokens).toList())
                .isEqualTo(slow.stream().map(WorkloadRequest::promptTokens).toList());
        assertThat(fast.stream().map(WorkloadRequest::outputTokens).toList())
                .isEqualTo(slow.stream().map(WorkloadRequest::outputTokens).toList());
    }

    @Test
    void generate_zeroCount_emptyAndNegativeRejected() {
        assertThat(WorkloadGenerator.generate(new PoissonArrivals(1), new UniformLengths(1, 2),
                new UniformLengths(1, 2), 0, 1)).isEmpty();
        assertThatThrownBy(() -> WorkloadGenerator.generate(new PoissonArrivals(1), new UniformLengths(1, 2),
                new UniformLengths(1, 2), -1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
