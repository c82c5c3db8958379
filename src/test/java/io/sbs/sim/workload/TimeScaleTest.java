package io.sbs.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.sim.WorkloadRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeScaleTest {

    private static final List<WorkloadRequest> WORKLOAD = List.of(
            new WorkloadRequest(0, 10, 1),
            new WorkloadRequest(1_000, 20, 2, new long[] {7, 8}),
            new WorkloadRequest(1_000, 30, 3),
            new WorkloadRequest(5_000, 40, 4));

    @Test
    void scale_factorTwo_halvesEveryGap() {
        List<WorkloadRequest> out = TimeScale.scale(WORKLOAD, 2);
        assertThat(out).extracting(WorkloadRequest::arrivalNanos).containsExactly(0L, 500L, 500L, 2_500L);
    }

    @Test
    void scale_factorHalf_doublesEveryGap() {
        assertThat(TimeScale.scale(WORKLOAD, 0.5)).extracting(WorkloadRequest::arrivalNanos)
                .containsExactly(0L, 2_000L, 2_000L, 10_000L);
    }

    @Test
    void scale_keepsOrderLengthsAndHashes() {
        List<WorkloadRequest> out = TimeScale.scale(WORKLOAD, 3);
        assertThat(out).extracting(WorkloadRequest::promptTokens).containsExactly(10, 20, 30, 40);
        assertThat(out).extracting(WorkloadRequest::outputTokens).containsExactly(1, 2, 3, 4);
        assertThat(out.get(1).blockHashes()).containsExactly(7, 8);
    }

    @Test
    void scale_longWorkload_noRoundingDrift() {
        List<WorkloadRequest> w = WorkloadGenerator.generate(new PoissonArrivals(1000), new UniformLengths(1, 2),
                new UniformLengths(1, 2), 100_000, 4);
        List<WorkloadRequest> out = TimeScale.scale(w, 3);
        long last = w.get(w.size() - 1).arrivalNanos();
        assertThat(out.get(out.size() - 1).arrivalNanos()).isEqualTo(Math.round(last / 3.0));
    }

    @Test
    void scale_nonPositiveFactor_rejected() {
        assertThatThrownBy(() -> TimeScale.scale(WORKLOAD, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimeScale.scale(WORKLOAD, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
