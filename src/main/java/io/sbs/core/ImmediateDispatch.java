package io.sbs.core;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Immediate dispatch, what routers do today: each request is bound the moment it arrives, by a
 * {@link RoutingPolicy} for prefill or a baseline {@link DecodeAllocator} for decode. A request that
 * finds no unit (every instance draining, or no decode memory) is held and retried every {@code Δ}.
 */
public final class ImmediateDispatch implements PhaseDispatch {

    /** Where a request goes now; null when nowhere. */
    @FunctionalInterface
    interface Placement {
        @Nullable
        DpUnitId place(InferenceRequest request, long now);
    }

    private final ClusterState cluster;
    private final Phase phase;
    private final Placement placement;
    private final List<InferenceRequest> held = new ArrayList<>();

    private ImmediateDispatch(ClusterState cluster, Phase phase, Placement placement) {
        this.cluster = cluster;
        this.phase = phase;
        this.placement = placement;
    }

    /** Prefill requests routed at arrival by {@code routing}. */
    public static ImmediateDispatch prefill(ClusterState cluster, RoutingPolicy routing) {
        return new ImmediateDispatch(cluster, Phase.PREFILL, (r, now) -> routing.route(r, cluster, now));
    }

    /** Decode requests placed one at a time, at arrival, by {@code allocator}. */
    public static ImmediateDispatch decode(ClusterState cluster, DecodeAllocator allocator) {
        return new ImmediateDispatch(cluster, Phase.DECODE, (r, now) -> {
            List<DpUnitState> units = new ArrayList<>();
            for (InstanceState i : cluster.candidates(Phase.DECODE)) {
                units.addAll(i.units());
            }
            List<Assignment> placed = allocator.allocate(List.of(r), units).placed();
            return placed.isEmpty() ? null : placed.get(0).unit();
        });
    }

    @Override
    public Phase phase() {
        return phase;
    }

    @Override
    public List<Assignment> onArrival(InferenceRequest request, long now) {
        cluster.advance(phase, now);
        DpUnitId unit = placement.place(request, now);
        if (unit == null) {
            held.add(request);
            return List.of();
        }
        Assignment a = new Assignment(request, unit);
        cluster.recordDispatch(a, phase, now);
        return List.of(a);
    }

    @Override
    public List<Assignment> onTick(long now) {
        cluster.checkWatchdogs(phase, now);
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
        long next = held.isEmpty() ? Long.MAX_VALUE : now + Math.max(1, cluster.intervalNanos(phase));
        long watchdog = cluster.nextWatchdogDeadline(phase);
        // a watchdog already due fires at the very next tick, not a whole interval later
        return Math.min(next, Math.max(now + 1, watchdog));
    }

    @Override
    public int buffered() {
        return held.size();
    }

    @Override
    public boolean cancel(long requestId) {
        return held.removeIf(r -> r.id() == requestId);
    }

    @Override
    public List<InferenceRequest> drain() {
        List<InferenceRequest> all = new ArrayList<>(held);
        held.clear();
        return all;
    }

    @Override
    public boolean overloaded() {
        return false;
    }
}
