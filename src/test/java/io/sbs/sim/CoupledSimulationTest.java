package io.sbs.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.OutputLengthKnowledge;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.sim.workload.PaperWorkloads;
import io.sbs.sim.workload.PoissonArrivals;
import io.sbs.sim.workload.WorkloadGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The coupled P/D run: each request prefilled, its KV handed over, then decoded (PrefillSimulation.Coupling). */
class CoupledSimulationTest {

    private static final List<WorkloadRequest> WORKLOAD = WorkloadGenerator.generate(new PoissonArrivals(60),
            PaperWorkloads.SHORT_PROMPTS, PaperWorkloads.DECODE_OUTPUTS, 1_200, 4);

    private static PrefillSimulation.Config config(String policy) {
        return new PrefillSimulation.Config(SimProfiles.small(), SchedulingPolicy.defaults(policy), WORKLOAD, 4,
                5_000_000_000L, 100_000_000L, 120_000_000_000L, Long.MAX_VALUE, List.of(), Signals.PUSH);
    }

    private static PrefillResult coupled(String policy) {
        return PrefillSimulation.run(config(policy).with(new PrefillSimulation.Coupling(2, OutputLengthKnowledge.MAX_TOKENS)));
    }

    @ParameterizedTest
    @ValueSource(strings = {PolicyRegistry.SBS, PolicyRegistry.ROUND_ROBIN, PolicyRegistry.LEAST_KV_TOKENS})
    void coupled_everyRequestPrefilledAndDecoded_andPrefillUntouched(String policy) {
        PrefillResult alone = PrefillSimulation.run(config(policy));
        PrefillResult both = coupled(policy);
        assertThat(both.unfinished()).isZero();
        assertThat(both.completed()).isEqualTo(alone.completed());
        // the decode side never feeds the prefill strategy: first tokens come at the same instants
        assertThat(both.ttft()).isEqualTo(alone.ttft());
        assertThat(alone.tpotMs().count()).isZero();
        assertThat(both.tpotMs().count()).isEqualTo(both.completed());
        assertThat(both.tpotMs().mean()).isPositive();
        assertThat(both.decodeQueueMs().mean()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void coupled_sameSeed_sameResult() {
        PrefillResult a = coupled(PolicyRegistry.SBS);
        PrefillResult b = coupled(PolicyRegistry.SBS);
        assertThat(b.tpotMs()).isEqualTo(a.tpotMs());
        assertThat(b.decodeQueueMs()).isEqualTo(a.decodeQueueMs());
        assertThat(b.ttft()).isEqualTo(a.ttft());
    }

    @Test
    void coupled_kvAwarePlacement_decodesFasterThanRoundRobin() {
        PrefillResult sbs = coupled(PolicyRegistry.SBS);
        PrefillResult kv = coupled(PolicyRegistry.LEAST_KV_TOKENS);
        PrefillResult rr = coupled(PolicyRegistry.ROUND_ROBIN);
        assertThat(sbs.tpotMs().p99() / rr.tpotMs().p99()).isLessThan(1.0);
        assertThat(kv.tpotMs().p99() / rr.tpotMs().p99()).isLessThan(1.0);
        // SBS balances KV and batch in its window: within 2 % of the KV balancer's tail or better
        assertThat(sbs.tpotMs().p99() / kv.tpotMs().p99()).isLessThan(1.02);
    }
}
