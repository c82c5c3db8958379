package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.control.ReadinessWindow;
import io.sbs.core.IqrLexicographicDecodeAllocator;
import io.sbs.core.Phase;
import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.LoopSnapshot;
import io.sbs.state.Leadership;
import io.sbs.state.PolicyRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LiveFrameTest {

    private static final SchedulingPolicy POLICY = SchedulingPolicy.defaults("sbs").toBuilder()
            .pinnedInterval(Duration.ofMillis(20)).build();
    private static final Leadership.Status LEADER = new Leadership.Status("node-a", true, 3, "node-a");
    private static final RequestWindow.Figures REQUESTS = new RequestWindow.Figures(42, 4.2, 300.0, 900.0);
    private static final LoopSnapshot.PhaseView PREFILL = new LoopSnapshot.PhaseView(10_000_000, 30_000_000,
            2_000_000, 3, 3, 7);
    private static final LiveFrame.Readiness NO_READINESS = new LiveFrame.Readiness(List.of(), null);
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
        LiveFrame frame = LiveFrame.of(snapshot(units, 0.5), new PolicyRecord(POLICY, 4, "alice", 1, 3),
                LEADER, false, REQUESTS, NO_READINESS, 1234);

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
        LiveFrame frame = LiveFrame.of(snapshot(units, Double.NaN), new PolicyRecord(POLICY, 1, "startup", 0, 1),
                LEADER, false, REQUESTS, NO_READINESS, 0);

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
        LiveFrame frame = LiveFrame.of(snapshot(units, 0), new PolicyRecord(POLICY, 1, "startup", 0, 1),
                LEADER, false, REQUESTS, NO_READINESS, 0);
        assertThat(frame.summary().kv().units()).isEqualTo(3);
    }

    private static Map<String, Long> decisions(long push, long completion, long poll, long watchdog, long prediction) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("push", push);
        m.put("completion", completion);
        m.put("poll", poll);
        m.put("watchdog", watchdog);
        m.put("prediction", prediction);
        return m;
    }

    private static LoopSnapshot withInstances(String policy, LoopSnapshot.InstanceView... instances) {
        return new LoopSnapshot(policy, SchedulingPolicy.defaults(policy), 0, 0, false, PREFILL, DECODE, List.of(),
                Double.NaN, List.of(instances));
    }

    private static LoopSnapshot.InstanceView prefillInstance(String id, boolean suspect, Map<String, Long> total) {
        return new LoopSnapshot.InstanceView(id, Phase.PREFILL, suspect, false, total);
    }

    private static ReadinessWindow.Recent recent(long windowMs, Map<String, Long> decisions) {
        return new ReadinessWindow.Recent(windowMs, decisions);
    }

    @Test
    void readiness_ofSnapshot_listsEachPrefillInstanceWithItsLastMinuteAndItsCountsSinceStart() {
        LoopSnapshot s = withInstances("sbs", prefillInstance("p0", false, decisions(0, 900, 120, 3, 400)),
                prefillInstance("p1", true, decisions(0, 10, 0, 60, 2)),
                new LoopSnapshot.InstanceView("d0", Phase.DECODE, false, false, Map.of()));
        Map<String, ReadinessWindow.Recent> minute = Map.of("p0", recent(60_000, decisions(0, 90, 12, 0, 40)),
                "p1", recent(20_000, decisions(0, 0, 0, 25, 0)));

        LiveFrame.Readiness r = LiveFrame.Readiness.of(s, minute, minute);

        assertThat(r.instances()).extracting(LiveFrame.InstanceReadiness::id).containsExactly("p0", "p1");
        LiveFrame.InstanceReadiness p0 = r.instances().get(0);
        assertThat(p0.windowMs()).isEqualTo(60_000);
        assertThat(p0.recent()).isEqualTo(decisions(0, 90, 12, 0, 40));
        assertThat(p0.total()).isEqualTo(decisions(0, 900, 120, 3, 400));
        // in the sources' order, the same as the meter's and the API's
        assertThat(p0.total().keySet()).containsExactly("push", "completion", "poll", "watchdog", "prediction");
        LiveFrame.InstanceReadiness p1 = r.instances().get(1);
        assertThat(p1.suspect()).isTrue();
        assertThat(p1.windowMs()).isEqualTo(20_000);
        // one instance on the watchdog alone while another sees first tokens: not the degraded mode
        assertThat(r.watchdogOnly()).isNull();
    }

    @Test
    void readiness_instanceNotSampledYet_showsAnEmptyWindow() {
        LiveFrame.Readiness r = LiveFrame.Readiness.of(withInstances("sbs",
                prefillInstance("p9", false, decisions(0, 5, 0, 0, 0))), Map.of(), Map.of());
        assertThat(r.instances().get(0).windowMs()).isZero();
        assertThat(r.instances().get(0).recent()).isEqualTo(decisions(0, 0, 0, 0, 0));
        assertThat(r.watchdogOnly()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sbs", "sbs-cache"})
    void watchdogOnly_sbsAndOnlyWatchdogFiresLately_isReportedWithTheFires(String policy) {
        LoopSnapshot s = withInstances(policy, prefillInstance("p0", true, decisions(0, 900, 120, 30, 400)),
                prefillInstance("p1", true, decisions(0, 800, 100, 20, 300)),
                prefillInstance("p2", false, decisions(0, 0, 0, 0, 0)));
        Map<String, ReadinessWindow.Recent> latest = Map.of("p0", recent(10_000, decisions(0, 0, 0, 12, 0)),
                "p1", recent(10_000, decisions(0, 0, 0, 9, 0)), "p2", recent(4_000, decisions(0, 0, 0, 0, 0)));

        LiveFrame.Readiness r = LiveFrame.Readiness.of(s, latest, latest);

        assertThat(r.watchdogOnly()).isEqualTo(new LiveFrame.WatchdogOnly(10_000, 21, 2));
    }

    @Test
    void watchdogOnly_anyOtherSignalOrNoFireOrAnImmediatePolicy_isAbsent() {
        LoopSnapshot.InstanceView p0 = prefillInstance("p0", true, decisions(0, 0, 0, 30, 0));
        Map<String, ReadinessWindow.Recent> fires = Map.of("p0", recent(10_000, decisions(0, 0, 0, 12, 0)));
        assertThat(LiveFrame.Readiness.of(withInstances("sbs", p0), fires, fires).watchdogOnly()).isNotNull();

        for (Map<String, Long> other : List.of(decisions(1, 0, 0, 12, 0), decisions(0, 1, 0, 12, 0),
                decisions(0, 0, 1, 12, 0), decisions(0, 0, 0, 12, 1))) {
            Map<String, ReadinessWindow.Recent> latest = Map.of("p0", recent(10_000, other));
            assertThat(LiveFrame.Readiness.of(withInstances("sbs", p0), latest, latest).watchdogOnly())
                    .as("with %s", other).isNull();
        }
        // an idle cluster decides nothing: no warning
        Map<String, ReadinessWindow.Recent> idle = Map.of("p0", recent(10_000, decisions(0, 0, 0, 0, 0)));
        assertThat(LiveFrame.Readiness.of(withInstances("sbs", p0), idle, idle).watchdogOnly()).isNull();
        // an immediate policy does not wait for readiness
        assertThat(LiveFrame.Readiness.of(withInstances("round-robin", p0), fires, fires).watchdogOnly()).isNull();
    }

    @Test
    void withoutUnits_keepsTheReadiness() {
        LiveFrame.Readiness r = LiveFrame.Readiness.of(withInstances("sbs",
                prefillInstance("p0", false, decisions(0, 5, 0, 0, 0))), Map.of(), Map.of());
        LiveFrame frame = LiveFrame.of(snapshot(List.of(prefill("p0", 0, 1024, 0, 0)), 0),
                new PolicyRecord(POLICY, 1, "startup", 0, 1), LEADER, false, REQUESTS, r, 0);
        assertThat(frame.readiness()).isSameAs(r);
        assertThat(frame.withoutUnits().readiness()).isSameAs(r);
    }
}
