package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/** Immediate dispatch for decode: each request placed alone at arrival by a baseline allocator. */
public final class ImmediateDecodeDispatch implements PhaseDispatch {

    private final ClusterState cluster;
    private final DecodeAllocator allocator;
    private final List<InferenceRequest> held = new ArrayList<>();

    public ImmediateDecodeDispatch(ClusterState cluster, DecodeAllocator allocator) {
        this.cluster = cluster;
        this.allocator = allocator;
    }

    @Override
    public Phase phase() {
        return Phase.DECODE;
    }

    @Override
    public List<Assignment> onArrival(InferenceRequest request, long now) {
        List<DpUnitState> units = new ArrayList<>();
        for (InstanceState i : cluster.candidates(Phase.DECODE)) {
            units.addAll(i.units());
        }
        Allocation allocation = allocator.allocate(List.of(request), units);
        held.addAll(allocation.pending());
        for (Assignment a : allocation.placed()) {
            cluster.recordDispatch(a, Phase.DECODE, now);
        }
        return allocation.placed();
    }

    @Override
    public List<Assignment> onTick(long now) {
        cluster.checkWatchdogs(Phase.DECODE, now);
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
        return held.isEmpty() ? Long.MAX_VALUE : now + Math.max(1, cluster.intervalNanos(Phase.DECODE));
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
