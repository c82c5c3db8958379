package io.sbs.web;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sbs.core.Phase;
import io.sbs.core.ReadinessSource;
import io.sbs.loop.LoopSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code sbs.readiness.decisions{instance, source}}: the pass boundaries of each prefill instance by the
 * signal that established them ({@link ReadinessSource}), so an operator sees whether SBS runs on what
 * the engines give (first tokens, polls, the push) or on the watchdog. One function counter per instance
 * and source, reading the loop's snapshot at each scrape; counters are registered as instances appear in
 * the snapshot and removed when they leave it, as the per-unit gauges are.
 */
final class ReadinessMeters {

    /** The instance and source one counter reads; the registry holds it weakly, {@link #meters} strongly. */
    private final class Reading {
        final String instance;
        final ReadinessSource source;
        volatile long last;

        Reading(String instance, ReadinessSource source) {
            this.instance = instance;
            this.source = source;
        }

        double count() {
            LoopSnapshot.InstanceView view = index().get(instance);
            // between its removal from the loop and the next refresh, the counter keeps its last value
            if (view != null) {
                last = view.readiness(source);
            }
            return last;
        }
    }

    private record Registered(List<Reading> readings, List<Meter> meters) {
    }

    private record Index(LoopSnapshot snapshot, Map<String, LoopSnapshot.InstanceView> byId) {
    }

    private final MeterRegistry registry;
    private final Supplier<LoopSnapshot> snapshots;
    private final Map<String, Registered> meters = new HashMap<>();
    private volatile Index index;

    ReadinessMeters(MeterRegistry registry, Supplier<LoopSnapshot> snapshots) {
        this.registry = registry;
        this.snapshots = snapshots;
        this.index = indexOf(snapshots.get());
    }

    // a scrape reads one counter per instance and source: look instances up by id, once per snapshot
    private Map<String, LoopSnapshot.InstanceView> index() {
        LoopSnapshot s = snapshots.get();
        Index i = index;
        if (i.snapshot() != s) {
            i = indexOf(s);
            index = i;
        }
        return i.byId();
    }

    private static Index indexOf(LoopSnapshot s) {
        Map<String, LoopSnapshot.InstanceView> byId = new HashMap<>();
        for (LoopSnapshot.InstanceView v : s.instances()) {
            byId.put(v.instanceId(), v);
        }
        return new Index(s, byId);
    }

    /** Registers the counters of prefill instances new in {@code s}, removes those of instances gone from it. */
    synchronized void refresh(LoopSnapshot s) {
        Set<String> present = new HashSet<>();
        for (LoopSnapshot.InstanceView v : s.instances()) {
            if (v.phase() != Phase.PREFILL) {
                continue;
            }
            present.add(v.instanceId());
            for (Reading r : meters.computeIfAbsent(v.instanceId(), this::register).readings()) {
                r.last = v.readiness(r.source);
            }
        }
        for (Iterator<Map.Entry<String, Registered>> it = meters.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Registered> e = it.next();
            if (!present.contains(e.getKey())) {
                e.getValue().meters().forEach(registry::remove);
                it.remove();
            }
        }
    }

    private Registered register(String instance) {
        List<Reading> readings = new ArrayList<>();
        List<Meter> registered = new ArrayList<>();
        for (ReadinessSource source : ReadinessSource.values()) {
            Reading r = new Reading(instance, source);
            readings.add(r);
            registered.add(FunctionCounter.builder("sbs.readiness.decisions", r, Reading::count)
                    .description("pass boundaries of a prefill instance, by the signal that established them: "
                            + "push, completion, poll, watchdog, prediction")
                    .tag("instance", instance).tag("source", source.tag()).register(registry));
        }
        return new Registered(readings, registered);
    }
}
