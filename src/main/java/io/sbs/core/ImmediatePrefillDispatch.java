package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Immediate dispatch for prefill: each request is bound at arrival by a {@link RoutingPolicy}. A request
 * that finds no instance (all draining) is held and retried every {@code Δ}.
 */
public final class ImmediatePrefillDispatch implements PhaseDispatch {

    private final ClusterState cluster;
    private final RoutingPolicy routing;
    private final List<InferenceRequest> held = new ArrayList<>();

    public ImmediatePrefillDispatch(ClusterState cluster, RoutingPolicy routing) {
        this.cluster = cluster;
        this.routing = routing;
    }

    @Override
    public Phase phase() {
        return Phase.PREFILL;
    }

    @Override
    public List<Assignment> onArrival(InferenceRequest request, long now) {
        DpUnitId unit = routing.route(request, cluster, now);
        if (unit == null) {
            held.add(request);
            return List.of();
        }
        Assignment a = new Assignment(request, unit);
        cluster.recordDispatch(a, Phase.PREFILL, now);
        return List.of(a);
    }

    @Override
    public List<Assignment> onTick(long now) {
        cluster.checkWatchdogs(Phase.PREFILL, now);
        if (held.isEmpty()) {
            return List.of();
        }
        List<InferenceRequest> retry = new ArrayList<>(held);
        held.clear();
        List<Assignment> out = new ArrayList<>();
        for (InferenceRequest r : retry) {
            out.addAll(onArrival(r, now));
        }
        return out;
    }

    @Override
    public long nextTickAt(long now) {
        long next = held.isEmpty() ? Long.MAX_VALUE : now + Math.max(1, cluster.intervalNanos(Phase.PREFILL));
        long watchdog = cluster.nextWatchdogDeadline(Phase.PREFILL);
        return watchdog > now ? Math.min(next, watchdog) : next;
    }

    @Override
    public int buffered() {
        return held.size();
    }

    @Override
    public boolean overloaded() {
        return false;
    }
}
