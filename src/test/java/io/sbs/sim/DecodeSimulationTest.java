package io.sbs.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.sim.workload.PaperWorkloads;
import org.junit.jupiter.api.Test;

class DecodeSimulationTest {

    private static DecodeResult run(String policy, long seed) {
        return DecodeSimulation.run(new DecodeSimulation.Config(SimProfiles.small(), SchedulingPolicy.defaults(policy),
                35 * 8, 120_000_000_000L, 30_000_000_000L, 1_000_000_000L, seed, PaperWorkloads.DECODE_PROMPTS::sample,
                PaperWorkloads.DECODE_OUTPUTS::sample));
    }

    @Test
    void run_sameSeed_sameThroughputAndLoad() {
        DecodeResult a = run(PolicyRegistry.SBS, 1);
        DecodeResult b = run(PolicyRegistry.SBS, 1);
        assertThat(b.throughputTps()).isEqualTo(a.throughputTps());
        assertThat(b.kvLoad()).isEqualTo(a.kvLoad());
        assertThat(a.completed()).isPositive();
        assertThat(a.kvSeries()).hasSize(91);
    }

    @Test
    void iqrLexicographic_narrowsTheKvBandAgainstRoundRobin() {
        DecodeResult sbs = run(PolicyRegistry.SBS, 2);
        DecodeResult rr = run(PolicyRegistry.ROUND_ROBIN, 2);
        assertThat(sbs.allocator()).isEqualTo("iqr-lexicographic");
        assertThat(rr.allocator()).isEqualTo("round-robin");
        double sbsBand = sbs.kvLoad().p90() - sbs.kvLoad().p10();
        double rrBand = rr.kvLoad().p90() - rr.kvLoad().p10();
        assertThat(sbsBand / rrBand).isLessThan(0.9);
        assertThat(sbs.throughputTps()).isGreaterThan(rr.throughputTps());
    }

    @Test
    void kvLoad_neverExceedsUnitMemory() {
        DecodeResult rr = run(PolicyRegistry.ROUND_ROBIN, 3);
        assertThat(rr.kvLoad().max()).isLessThanOrEqualTo(160_000);
    }
}
