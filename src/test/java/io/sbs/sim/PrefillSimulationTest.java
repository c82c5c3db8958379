package io.sbs.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.sbs.core.PolicyRegistry;
import io.sbs.core.ReadinessSource;
import io.sbs.core.SchedulingPolicy;
import io.sbs.sim.workload.PaperWorkloads;
import io.sbs.sim.workload.PoissonArrivals;
import io.sbs.sim.workload.TimeScale;
import io.sbs.sim.workload.WorkloadGenerator;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PrefillSimulationTest {

    private static final long S = 1_000_000_000L;

    private static List<WorkloadRequest> workload(double qps, int count, long seed) {
        return WorkloadGenerator.generate(new PoissonArrivals(qps), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, count, seed);
    }

    private static PrefillResult run(String policy, List<WorkloadRequest> w, List<Fault> faults) {
        return PrefillSimulation.run(new PrefillSimulation.Config(SimProfiles.small(), SchedulingPolicy.defaults(policy),
                w, 7, 5 * S, 100_000_000L, 60 * S, Long.MAX_VALUE, faults));
    }

    static List<String> policies() {
        return PolicyRegistry.standard().names();
    }

    @ParameterizedTest
    @MethodSource("policies")
    void run_sameSeed_sameResult_andEveryRequestServed(String policy) {
        List<WorkloadRequest> w = workload(150, 3_000, 1);
        PrefillResult a = run(policy, w, List.of());
        PrefillResult b = run(policy, w, List.of());
        assertThat(b).isEqualTo(a);
        assertThat(a.unfinished()).isZero();
        assertThat(a.lost()).isZero();
        assertThat(a.completed()).isEqualTo((int) w.stream().filter(r -> r.arrivalNanos() >= 5 * S).count());
        assertThat(a.chunkUtilization()).isBetween(0.0, 1.0);
    }

    @Test
    void run_everythingArrivingAtOnce_withDrainEqualToGiveUp_stopsAtTheDrain() {
        // more than the cluster prefills within the drain, all at one instant: the oldest unfinished request
        // has waited exactly the give-up time when the clock reaches the stop, and the run must end there
        List<WorkloadRequest> w = TimeScale.scale(workload(150, 3_000, 4), 1e15);
        long drain = S / 2;
        PrefillResult r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> PrefillSimulation.run(
                new PrefillSimulation.Config(SimProfiles.small(), SchedulingPolicy.defaults(PolicyRegistry.SBS), w, 7, 0,
                        100_000_000L, drain, drain, List.of())));
        assertThat(r.unfinished()).isPositive();
        assertThat(r.completed() + r.unfinished()).isEqualTo(w.size());
    }

    @Test
    void run_abandoned_stopsAtOnce() {
        List<WorkloadRequest> w = workload(150, 3_000, 5);
        PrefillResult r = PrefillSimulation.run(new PrefillSimulation.Config(SimProfiles.small(),
                SchedulingPolicy.defaults(PolicyRegistry.SBS), w, 7, 0, 100_000_000L, 60 * S, Long.MAX_VALUE, List.of()),
                () -> true);
        assertThat(r.completed()).isZero();
    }

    @Test
    void sbs_atModerateLoad_lowersMeanTtftAgainstRoundRobin() {
        List<WorkloadRequest> w = workload(220, 8_000, 2);
        double sbs = run(PolicyRegistry.SBS, w, List.of()).ttft().mean();
        double rr = run(PolicyRegistry.ROUND_ROBIN, w, List.of()).ttft().mean();
        assertThat(sbs / rr).isLessThan(0.9);
    }

    @Test
    void sbs_keepsTheDeviceQueueShort_whereImmediateDispatchQueuesInTheEngine() {
        List<WorkloadRequest> w = workload(220, 8_000, 3);
        PrefillResult sbs = run(PolicyRegistry.SBS, w, List.of());
        PrefillResult lot = run(PolicyRegistry.LEAST_OUTSTANDING_TOKENS, w, List.of());
        assertThat(sbs.deviceQueue().mean()).isLessThan(0.5 * lot.deviceQueue().mean());
        assertThat(sbs.schedulerQueue().mean()).isGreaterThan(0);
        assertThat(lot.schedulerQueue().mean()).isZero();
    }

    @Test
    void silencedInstance_itsFirstTokensStillDriveReadiness_andEveryRequestIsServed() {
        // EndForward and polls of instance 0 are lost for 12 s; the answers it gives its clients are not
        List<WorkloadRequest> w = workload(100, 3_000, 4);
        PrefillResult r = run(PolicyRegistry.SBS, w, List.of(new Fault(0, Fault.Kind.SILENCE, 8 * S, 20 * S, 1)));
        assertThat(r.watchdogFires()).isZero();
        assertThat(r.readiness(ReadinessSource.COMPLETION)).isPositive();
        assertThat(r.unfinished()).isZero();
        assertThat(r.lost()).isZero();
    }

    @Test
    void deadInstance_losesItsQueuedWork_andTheRestIsServed() {
        List<WorkloadRequest> w = workload(100, 3_000, 5);
        PrefillResult r = run(PolicyRegistry.SBS, w, List.of(new Fault(1, Fault.Kind.DEATH, 10 * S, Long.MAX_VALUE, 1)));
        assertThat(r.lost()).isPositive();
        assertThat(r.unfinished()).isZero();
        // the watchdog marks the dead instance suspect and traffic moves to the others
        assertThat(r.completed()).isGreaterThan((int) (0.9 * w.stream().filter(x -> x.arrivalNanos() >= 5 * S).count()));
    }

    @Test
    void slowedInstance_passesTakeLonger() {
        List<WorkloadRequest> w = workload(100, 3_000, 6);
        PrefillResult slow = run(PolicyRegistry.ROUND_ROBIN, w, List.of(new Fault(0, Fault.Kind.SLOWDOWN, 0, Long.MAX_VALUE, 3)));
        PrefillResult normal = run(PolicyRegistry.ROUND_ROBIN, w, List.of());
        assertThat(slow.passMillis().max()).isGreaterThan(2 * normal.passMillis().max());
    }

    @Test
    void saturatingLoad_withGiveUpLimit_stopsEarlyMarkedSaturated() {
        List<WorkloadRequest> w = workload(3_000, 30_000, 7);
        PrefillResult r = PrefillSimulation.run(new PrefillSimulation.Config(SimProfiles.small(),
                SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN), w, 7, 0, 100_000_000L, 60 * S, 2 * S, List.of()));
        assertThat(r.saturated()).isTrue();
        assertThat(r.ttft().mean()).isGreaterThan(1.0);
    }
}
