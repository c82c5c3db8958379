package io.sbs.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.Phase;
import io.sbs.core.ReadinessSource;
import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.LoopSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Windows over the counters since start, sampled once a second as the service does. */
class ReadinessWindowTest {

    private static final LoopSnapshot.PhaseView PHASE = new LoopSnapshot.PhaseView(10_000_000, 30_000_000, 0, 1, 1, 0);
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final ReadinessWindow window = new ReadinessWindow(MINUTE, Clock.systemUTC());

    /** A prefill instance whose completions and watchdog fires since start are given. */
    private static LoopSnapshot.InstanceView prefill(String id, long completion, long watchdog) {
        return new LoopSnapshot.InstanceView(id, Phase.PREFILL, false, false,
                Map.of("push", 0L, "completion", completion, "poll", 0L, "watchdog", watchdog, "prediction", 0L));
    }

    private static LoopSnapshot snapshot(LoopSnapshot.InstanceView... instances) {
        return new LoopSnapshot("sbs", SchedulingPolicy.defaults("sbs"), 0, 0, false, PHASE, null, List.of(), Double.NaN,
                List.of(instances));
    }

    @Test
    void recent_countersGrowEverySecond_countsTheDifferenceOverTheWindow() {
        // 10 completions a second for two minutes, then the watchdog alone for 5 s
        for (int t = 0; t <= 120; t++) {
            window.record(snapshot(prefill("p0", 10L * t, 0)), 1_000_000 + 1_000L * t);
        }
        for (int t = 1; t <= 5; t++) {
            window.record(snapshot(prefill("p0", 1_200, 3L * t)), 1_120_000 + 1_000L * t);
        }

        ReadinessWindow.Recent minute = window.recent(MINUTE).get("p0");
        assertThat(minute.windowMs()).isEqualTo(60_000);
        assertThat(minute.decisions(ReadinessSource.COMPLETION)).isEqualTo(550);
        assertThat(minute.decisions(ReadinessSource.WATCHDOG)).isEqualTo(15);
        assertThat(minute.sources()).containsExactly("completion", "watchdog");
        assertThat(minute.decisions().keySet()).containsExactly("push", "completion", "poll", "watchdog", "prediction");

        ReadinessWindow.Recent seconds = window.recent(Duration.ofSeconds(5)).get("p0");
        assertThat(seconds.windowMs()).isEqualTo(5_000);
        assertThat(seconds.sources()).containsExactly("watchdog");
        assertThat(seconds.total()).isEqualTo(15);
        // a window longer than the span is the span; one sample before it is kept as its baseline
        assertThat(window.recent(Duration.ofMinutes(5)).get("p0").windowMs()).isEqualTo(60_000);
        assertThat(window.samples()).isEqualTo(61);
    }

    @Test
    void recent_instanceSeenForLessThanTheWindow_countsFromItsFirstSample() {
        window.record(snapshot(prefill("p0", 100, 0)), 1_000);
        window.record(snapshot(prefill("p0", 110, 0), prefill("p1", 500, 4)), 2_000);
        window.record(snapshot(prefill("p0", 120, 0), prefill("p1", 520, 6)), 3_000);

        Map<String, ReadinessWindow.Recent> recent = window.recent(MINUTE);
        assertThat(recent.keySet()).containsExactly("p0", "p1");
        assertThat(recent.get("p0").windowMs()).isEqualTo(2_000);
        assertThat(recent.get("p0").total()).isEqualTo(20);
        // what p1 counted before it was first seen is not in the window
        assertThat(recent.get("p1").windowMs()).isEqualTo(1_000);
        assertThat(recent.get("p1").total()).isEqualTo(22);
    }

    @Test
    void recent_countersRestarted_countsFromZero_andGoneInstancesLeave() {
        window.record(snapshot(prefill("p0", 5_000, 10), prefill("p1", 1, 0)), 1_000);
        // a new leader: its loop counts from zero; p1 is not in its cluster
        window.record(snapshot(prefill("p0", 30, 0)), 2_000);

        Map<String, ReadinessWindow.Recent> recent = window.recent(MINUTE);
        assertThat(recent.keySet()).containsExactly("p0");
        assertThat(recent.get("p0").total()).isEqualTo(30);
        assertThat(recent.get("p0").decisions()).allSatisfy((source, n) -> assertThat(n).isNotNegative());
    }

    @Test
    void record_decodeInstancesAndStaleSamples_areLeftOut() {
        assertThat(window.recent(MINUTE)).isEmpty();
        window.record(snapshot(prefill("p0", 10, 0), new LoopSnapshot.InstanceView("d0", Phase.DECODE, false, false,
                Map.of())), 5_000);
        window.record(snapshot(prefill("p0", 99, 0)), 4_000);

        assertThat(window.recent(MINUTE).keySet()).containsExactly("p0");
        assertThat(window.samples()).isOne();
    }
}
