package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.control.PreviewResult;
import io.sbs.core.SchedulingPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreviewTableTest {

    private static PreviewResult.Projection projection(String policy, double ttftMean, double rps, boolean saturated) {
        return new PreviewResult.Projection(SchedulingPolicy.defaults(policy), ttftMean, ttftMean * 0.8, ttftMean * 3, rps,
                rps * 1000, 0.5, 0.25, 100, saturated ? 7 : 0, saturated, 10);
    }

    @Test
    void of_result_putsEachFigureSideBySideWithItsChangeAndWhetherItIsBetter() {
        PreviewResult result = new PreviewResult("recorded", 100, 10, 10, 2, 1,
                new PreviewResult.SimulatedCluster("divided", 3, 8, 1024), 5, 4,
                projection("sbs", 0.200, 10, false), projection("round-robin", 0.300, 9.5, true), 0.4,
                List.of("a caveat"));
        PreviewTable table = PreviewTable.of(result);

        assertThat(table.rows()).filteredOn(r -> r.label().equals("TTFT mean")).singleElement()
                .isEqualTo(new PreviewTable.Row("TTFT mean", "200 ms", "300 ms", "+50.0 %", false));
        assertThat(table.rows()).filteredOn(r -> r.label().equals("Requests per second")).singleElement()
                .isEqualTo(new PreviewTable.Row("Requests per second", "10.00", "9.50", "-5.0 %", false));
        assertThat(table.rows()).filteredOn(r -> r.label().equals("Chunk utilization")).singleElement()
                .isEqualTo(new PreviewTable.Row("Chunk utilization", "50.0 %", "50.0 %", "", null));
        assertThat(table.rows()).filteredOn(r -> r.label().equals("Saturated")).singleElement()
                .isEqualTo(new PreviewTable.Row("Saturated", "no", "yes", "turns saturated", false));
        assertThat(table.source()).isEqualTo("the traffic recorded on this node: 100 requests over 10 s (10.00 per "
                + "second, replayed 2 times faster), on 3 prefill instances of 8 DP units (C_max 1,024) with the "
                + "divided profile's timing; seed 1, 0.4 s to compute");
        assertThat(table.notes()).containsExactly("a caveat");
    }
}
