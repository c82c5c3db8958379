package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sbs.core.Phase;
import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.LoopSnapshot;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The readiness counters against the registry the service exports (Prometheus), fed fixture snapshots. */
class ReadinessMetersTest {

    private static final LoopSnapshot.PhaseView PHASE = new LoopSnapshot.PhaseView(10_000_000, 30_000_000, 0, 1, 1, 0);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicReference<LoopSnapshot> snapshot = new AtomicReference<>(snapshot());

    private static LoopSnapshot.InstanceView prefill(String id, long push, long completion, long poll, long watchdog,
            long prediction) {
        return new LoopSnapshot.InstanceView(id, Phase.PREFILL, false, false, Map.of("push", push, "completion",
                completion, "poll", poll, "watchdog", watchdog, "prediction", prediction));
    }

    private static LoopSnapshot snapshot(LoopSnapshot.InstanceView... instances) {
        return new LoopSnapshot("sbs", SchedulingPolicy.defaults("sbs"), 0, 0, false, PHASE, PHASE, List.of(), Double.NaN,
                List.of(instances));
    }

    private double count(String instance, String source) {
        FunctionCounter c = registry.find("sbs.readiness.decisions").tag("instance", instance).tag("source", source)
                .functionCounter();
        assertThat(c).as("counter of %s from %s", instance, source).isNotNull();
        return c.count();
    }

    @Test
    void refresh_prefillInstances_countEachSourceFromTheSnapshotAtEachScrape() {
        ReadinessMeters meters = new ReadinessMeters(registry, snapshot::get);
        snapshot.set(snapshot(prefill("p0", 0, 40, 7, 2, 13),
                new LoopSnapshot.InstanceView("d0", Phase.DECODE, false, false, Map.of())));
        meters.refresh(snapshot.get());

        assertThat(count("p0", "completion")).isEqualTo(40);
        assertThat(count("p0", "watchdog")).isEqualTo(2);
        // decode instances have no pass estimate: no counters
        assertThat(registry.find("sbs.readiness.decisions").tag("instance", "d0").meters()).isEmpty();

        // a scrape reads the latest snapshot, without waiting for the next refresh
        snapshot.set(snapshot(prefill("p0", 0, 45, 9, 2, 20)));
        assertThat(count("p0", "completion")).isEqualTo(45);
        assertThat(registry.scrape()).contains("# TYPE sbs_readiness_decisions_total counter",
                "sbs_readiness_decisions_total{instance=\"p0\",source=\"completion\"} 45.0",
                "sbs_readiness_decisions_total{instance=\"p0\",source=\"push\"} 0.0",
                "sbs_readiness_decisions_total{instance=\"p0\",source=\"prediction\"} 20.0",
                "sbs_readiness_decisions_total{instance=\"p0\",source=\"poll\"} 9.0",
                "sbs_readiness_decisions_total{instance=\"p0\",source=\"watchdog\"} 2.0");
    }

    @Test
    void refresh_instancesComeAndGo_countersFollow() {
        ReadinessMeters meters = new ReadinessMeters(registry, snapshot::get);
        meters.refresh(snapshot.get());
        assertThat(registry.find("sbs.readiness.decisions").meters()).isEmpty();

        snapshot.set(snapshot(prefill("p0", 1, 2, 3, 4, 5), prefill("p1", 0, 9, 0, 0, 0)));
        meters.refresh(snapshot.get());
        assertThat(registry.find("sbs.readiness.decisions").meters()).hasSize(10);
        assertThat(count("p1", "completion")).isEqualTo(9);

        // removed from the loop: until the refresh, its counter keeps the last value rather than dropping to 0
        snapshot.set(snapshot(prefill("p1", 0, 11, 0, 0, 0)));
        assertThat(count("p0", "watchdog")).isEqualTo(4);
        meters.refresh(snapshot.get());
        assertThat(registry.find("sbs.readiness.decisions").tag("instance", "p0").meters()).isEmpty();
        assertThat(registry.find("sbs.readiness.decisions").meters()).hasSize(5);
        assertThat(count("p1", "completion")).isEqualTo(11);

        // registered again under its id: counted afresh
        snapshot.set(snapshot(prefill("p1", 0, 11, 0, 0, 0), prefill("p0", 0, 1, 0, 0, 0)));
        meters.refresh(snapshot.get());
        assertThat(count("p0", "completion")).isEqualTo(1);
    }
}
