package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Staggered Batch Scheduling for decode (paper section 4.3): requests handed over from prefill are
 * buffered for one window of {@code Δ} (decode steps of the decode instances) and placed together by a
 * {@link DecodeAllocator}, so the IQR mask and the length pre-sort see the whole window. Decode engines
 * batch continuously, so every healthy instance is open at every tick; requests no unit has memory for
 * stay buffered.
 */
public final class StaggeredDecodeDispatch implements PhaseDispatch {

    private final ClusterState cluster;
    private final DecodeAllocator allocator;
    private List<InferenceRequest> window = new ArrayList<>();

    public StaggeredDecodeDispatch(ClusterState cluster, DecodeAllocator allocator) {
        this.cluster = cluster;
        this.allocator = allocator;
    }

    @Override
    public Phase phase() {
        return Phase.DECODE;
    }

    @Override
    public List<Assignment> onArrival(InferenceRequest request, long now) {
        window.add(request);
        return List.of();
    }

    @Override
    public List<Assignment> onTick(long now) {
        cluster.checkWatchdogs(Phase.DECODE, now);
        if (window.isEmpty()) {
            return List.of();
        }
        List<DpUnitState> units = new ArrayList<>();
        for (InstanceState i : cluster.candidates(Phase.DECODE)) {
            units.addAll(i.units());
        }
        Allocation allocation = allocator.allocate(window, units);
        for (Assignment a : allocation.placed()) {
            cluster.recordDispatch(a, Phase.DECODE, now);
        }
        window = new ArrayList<>(allocation.pending());
        return allocation.placed();
    }

    @Override
    public long nextTickAt(long now) {
        return now + Math.max(1, cluster.intervalNanos(Phase.DECODE));
    }

    @Override
    public int buffered() {
        return window.size();
    }

    @Override
    public boolean cancel(long requestId) {
        return window.removeIf(r -> r.id() == requestId);
    }

    @Override
    public List<InferenceRequest> drain() {
        List<InferenceRequest> all = window;
        window = new ArrayList<>();
        return all;
    }

    @Override
    public boolean overloaded() {
        return false;
    }
}
