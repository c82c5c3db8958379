package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.IqrLexicographicDecodeAllocator;
import io.sbs.core.Phase;
import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.LoopSnapshot;
import io.sbs.state.Leadership;
import io.sbs.state.PolicyRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveFrameTest {

    private static final SchedulingPolicy POLICY = SchedulingPolicy.defaults("sbs").toBuilder()
            .pinnedInterval(Duration.ofMillis(20)).build();
    private static final Leadership.Status LEADER = new Leadership.Status("node-a", true, 3, "node-a");
    private static final RequestWindow.Figures REQUESTS = new RequestWindow.Figures(42, 4.2, 300.0, 900.0);
    private static final LoopSnapshot.PhaseView PREFILL = new LoopSnapshot.PhaseView(10_000_000, 30_000_000,
            2_000_000, 3, 3, 7);
    private static final LoopSnapshot.PhaseView DECODE = new LoopSnapshot.PhaseView(20_000_000, 20_000_000, 0, 1, 2, 0);

    private static LoopSnapshot.UnitView prefill(String instance, int rank, long available, long inflight, long backlog) {
        return new LoopSnapshot.UnitView(instance, rank, Phase.PREFILL, false, available, inflight, 0, 0, inflight, backlog);
    }

    private static LoopSnapshot.UnitView decode(String instance, int rank, boolean suspect, int batch, long kv) {
        return new LoopSnapshot.UnitView(instance, rank, Phase.DECODE, suspect, 0, 0, batch, kv, 0, 0);
    }

    private static LoopSnapshot snapshot(List<LoopSnapshot.UnitView> units, double chunkUtilization) {
        return new LoopSnapshot("sbs", POLICY, 0, 5, false, PREFILL, DECODE, units, chunkUtilization);
    }

    @Test
    void kvBand_usesTheAllocatorsQuartilesAndThreshold() {
        long[] kv = {1000, 1100, 1200, 1300, 1400, 1500, 9000};
        LiveFrame.KvBand band = LiveFrame.KvBand.of(kv, 1.5);
        long[] sorted = kv.clone();
        assertThat(band.q1()).isEqualTo(IqrLexicographicDecodeAllocator.quantile(sorted, 0.25));
        assertThat(band.q3()).isEqualTo(IqrLexicographicDecodeAllocator.quantile(sorted, 0.75));
        assertThat(band.theta()).isEqualTo(IqrLexicographicDecodeAllocator.threshold(kv, 1.5));
        assertThat(band.q1()).isEqualTo(1150.0);
        assertThat(band.q3()).isEqualTo(1450.0);
        assertThat(band.theta()).isEqualTo(1900.0);
        assertThat(band.masked()).isEqualTo(1);
        assertThat(band.min()).isEqualTo(1000);
        assertThat(band.max()).isEqualTo(9000);
        assertThat(LiveFrame.KvBand.of(new long[0], 1.5)).isNull();
    }

    @Test
    void of_snapshot_putsEachPhasesUnitsInColumns() {
        List<LoopSnapshot.UnitView> units = List.of(prefill("p0", 0, 700, 300, 24), prefill("p0", 1, 1024, 0, 0),
                prefill("p1", 0, -200, 1024, 200), decode("d0", 0, false, 2, 4000), decode("d0", 1, false, 1, 1000));
        LiveFrame frame = LiveFrame.of(snapshot(units, 0.5), new PolicyRecord(POLICY, 4, "alice", 1, 3), LEADER,
                REQUESTS, 1234);

        LiveFrame.PrefillUnits p = frame.units().prefill();
        assertThat(p.instances()).containsExactly(new LiveFrame.Instance("p0", false), new LiveFrame.Instance("p1", false));
        assertThat(p.instance()).containsExactly(0, 0, 1);
        assertThat(p.rank()).containsExactly(0, 1, 0);
        assertThat(p.available()).containsExactly(700, 1024, -200);
        assertThat(p.inflight()).containsExactly(300, 0, 1024);
        assertThat(p.backlog()).containsExactly(24, 0, 200);
        LiveFrame.DecodeUnits d = frame.units().decode();
        assertThat(d.batch()).containsExactly(2, 1);
        assertThat(d.kv()).containsExactly(4000, 1000);

        LiveFrame.Summary s = frame.summary();
        assertThat(s.atMs()).isEqualTo(1234);
        assertThat(s.policyVersion()).isEqualTo(4);
        assertThat(s.policyActor()).isEqualTo("alice");
        assertThat(s.pinnedIntervalMs()).isEqualTo(20.0);
        assertThat(s.requests()).isEqualTo(42);
        assertThat(s.ttftP99Ms()).isEqualTo(900.0);
        assertThat(s.prefill()).isEqualTo(new LiveFrame.PhaseFigures(10, 30, 2, 3, 3, 7));
        assertThat(s.decode().intervalMs()).isEqualTo(20.0);
        assertThat(s.chunkUtilization()).isEqualTo(0.5);
        assertThat(frame.withoutUnits().units()).isNull();
        assertThat(frame.withoutUnits().summary()).isSameAs(s);
    }

    @Test
    void of_suspectDecodeUnits_stayOutOfTheBandAsTheAllocatorLeavesThemOut() {
        List<LoopSnapshot.UnitView> units = new ArrayList<>();
        units.add(prefill("p0", 0, 1024, 0, 0));
        for (int r = 0; r < 8; r++) {
            units.add(decode("d0", r, false, 1, 1000 + 10 * r));
        }
        units.add(decode("d0", 8, false, 3, 5000));
        units.add(decode("d1", 0, true, 9, 90_000));
        LiveFrame frame = LiveFrame.of(snapshot(units, Double.NaN), new PolicyRecord(POLICY, 1, "startup", 0, 1), LEADER,
                REQUESTS, 0);

        LiveFrame.KvBand band = frame.summary().kv();
        assertThat(band.units()).isEqualTo(9);
        assertThat(band.max()).isEqualTo(5000);
        assertThat(band.masked()).isEqualTo(1);
        assertThat(frame.units().decode().masked()).containsExactly(false, false, false, false, false, false, false,
                false, true, false);
        assertThat(frame.units().decode().instances()).contains(new LiveFrame.Instance("d1", true));
        // NaN has no JSON form: a second without prefill passes is null
        assertThat(frame.summary().chunkUtilization()).isNull();
    }

    @Test
    void of_everyDecodeInstanceSuspect_weighsThemAll() {
        List<LoopSnapshot.UnitView> units = List.of(prefill("p0", 0, 1024, 0, 0), decode("d0", 0, true, 1, 100),
                decode("d0", 1, true, 1, 200), decode("d0", 2, true, 1, 300));
        LiveFrame frame = LiveFrame.of(snapshot(units, 0), new PolicyRecord(POLICY, 1, "startup", 0, 1), LEADER,
                REQUESTS, 0);
        assertThat(frame.summary().kv().units()).isEqualTo(3);
    }
}
