package io.sbs.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Staggered Batch Scheduling for prefill (paper sections 3.2 and 4): buffer, then dispatch batches to the
 * instances whose next pass is about to start, packed by a {@link PrefillAllocator}.
 *
 * <p>Implementation notes. Model: readiness is judged per instance by {@link TripleCheckReadiness} and
 * capacity per DP unit by {@code C_avail} ({@link ClusterState#ready}), so each ready unit is topped up to {@code C_max} for its next
 * pass, backlog counted (SPEC.md section 9: waiting for a whole instance to drain loses capacity when
 * prompts span several passes). Timing: ticks come every {@code Δ = (T̄_fwd + τ_net) / N} and, in
 * addition, at each running instance's predicted pass end minus {@link ClusterState#dispatchHorizonNanos}
 * ({@code τ_net} plus a guard sized to the prediction error), so a top-up lands before the engine starts
 * its next pass instead of just after it. An arrival while some instance is ready (idle, or inside its top-up window)
 * triggers a cycle at once: quiescence is an immediate readiness trigger, and a window left open after
 * its boundary tick would otherwise close on requests that could still make the pass. Saturation: when more is left after a cycle than the next instance could take, the
 * room left in this cycle's units is filled with prompts that start here and finish in the unit's next
 * pass, trading one pass of latency for those requests for full passes (chunk utilization). Fairness:
 * carried-over requests first, FCFS. Overload: a request
 * pending through {@code overloadCycles} cycles that had open capacity, counted at most once per
 * interval {@code Δ}, turns flow control on until no request is over the limit.
 */
public final class StaggeredPrefillDispatch implements PhaseDispatch {

    private static final Comparator<InferenceRequest> FCFS = Comparator
            .comparingLong(InferenceRequest::arrivalNanos).thenComparingLong(InferenceRequest::id);

    private static final PrefillAllocator SATURATION_FILL = new WaterFillingPrefillAllocator(true);

    private final ClusterState cluster;
    private final PrefillAllocator allocator;
    private final List<InferenceRequest> fresh = new ArrayList<>();
    private List<InferenceRequest> carried = new ArrayList<>();
    /** Per pending request: failed cycles counted so far, and when the last one was counted. */
    private final Map<Long, long[]> failedCycles = new HashMap<>();
    private boolean overloaded;

    public StaggeredPrefillDispatch(ClusterState cluster, PrefillAllocator allocator) {
        this.cluster = cluster;
        this.allocator = allocator;
    }

    @Override
    public Phase phase() {
        return Phase.PREFILL;
    }

    @Override
    public List<Assignment> onArrival(InferenceRequest request, long now) {
        fresh.add(request);
        for (InstanceState i : cluster.candidates(Phase.PREFILL)) {
            if (cluster.ready(i, now)) {
                return onTick(now);
            }
        }
        return List.of();
    }

    @Override
    public List<Assignment> onTick(long now) {
        cluster.checkWatchdogs(Phase.PREFILL, now);
        if (fresh.isEmpty() && carried.isEmpty()) {
            return List.of();
        }
        List<DpUnitState> open = new ArrayList<>();
        for (InstanceState inst : cluster.candidates(Phase.PREFILL)) {
            if (cluster.ready(inst, now)) {
                for (DpUnitState u : inst.units()) {
                    if (u.availableCapacity() > 0) {
                        open.add(u);
                    }
                }
            }
        }
        if (open.isEmpty()) {
            // Requests that sat through a cycle are carried over: they keep FCFS priority from now on.
            carried.addAll(fresh);
            fresh.clear();
            carried.sort(FCFS);
            return List.of();
        }
        Allocation allocation = allocator.allocate(carried, fresh, open);
        fresh.clear();
        List<Assignment> placed = new ArrayList<>(allocation.placed());
        apply(placed, now);
        List<InferenceRequest> pending = new ArrayList<>(allocation.pending());
        if (saturated(pending, open)) {
            Allocation fill = SATURATION_FILL.allocate(pending, List.of(), open);
            apply(fill.placed(), now);
            placed.addAll(fill.placed());
            pending = new ArrayList<>(fill.pending());
        }
        pending.sort(FCFS);
        carried = pending;
        int limit = cluster.policy().overloadCycles();
        boolean over = false;
        for (InferenceRequest r : pending) {
            over |= countFailure(r.id(), now) >= limit;
        }
        overloaded = over;
        return placed;
    }

    /**
     * Counts a failed cycle for a request, at most one per interval {@code Δ}: cycles also run on every
     * arrival and engine signal, and K of those can pass in a fraction of a pass under normal load, while
     * K intervals of {@code Δ = (T̄_fwd + τ_net) / N} mean the request has sat through several boundaries
     * of every instance.
     */
    private long countFailure(long requestId, long now) {
        long[] f = failedCycles.computeIfAbsent(requestId, id -> new long[] {0, Long.MIN_VALUE});
        if (f[0] == 0 || now - f[1] >= cluster.intervalNanos(Phase.PREFILL)) {
            f[0]++;
            f[1] = now;
        }
        return f[0];
    }

    private void apply(List<Assignment> placed, long now) {
        for (Assignment a : placed) {
            cluster.recordDispatch(a, Phase.PREFILL, now);
            failedCycles.remove(a.request().id());
        }
    }

    /**
     * Whether what is left after the allocation is more than the next instance to reach its boundary
     * could take ({@code D · C_max}): then every request left will wait at least two boundaries anyway,
     * and room left in this cycle's units is better filled with prompts that start here and finish in
     * the unit's following pass.
     */
    private static boolean saturated(List<InferenceRequest> pending, List<DpUnitState> open) {
        if (pending.isEmpty() || open.isEmpty()) {
            return false;
        }
        boolean room = false;
        for (DpUnitState u : open) {
            room |= u.availableCapacity() > 0;
        }
        if (!room) {
            return false;
        }
        long instanceCapacity = 0;
        String first = open.get(0).id().instanceId();
        for (DpUnitState u : open) {
            if (u.id().instanceId().equals(first)) {
                instanceCapacity += u.chunkCapacity();
            }
        }
        long tokens = 0;
        for (InferenceRequest r : pending) {
            tokens += r.promptTokens();
            if (tokens >= 2 * instanceCapacity) {
                return true;
            }
        }
        return false;
    }

    @Override
    public long nextTickAt(long now) {
        long next = now + Math.max(1, cluster.intervalNanos(Phase.PREFILL));
        long horizon = cluster.dispatchHorizonNanos(Phase.PREFILL);
        for (InstanceState inst : cluster.candidates(Phase.PREFILL)) {
            if (inst.passRunning()) {
                long boundary = cluster.predictedPassEnd(inst) - horizon;
                if (boundary > now && boundary < next) {
                    next = boundary;
                }
            }
        }
        long watchdog = cluster.nextWatchdogDeadline(Phase.PREFILL);
        // a watchdog already due fires at the very next tick, not a whole interval later
        return Math.min(next, Math.max(now + 1, watchdog));
    }

    @Override
    public int buffered() {
        return fresh.size() + carried.size();
    }

    @Override
    public boolean cancel(long requestId) {
        boolean removed = fresh.removeIf(r -> r.id() == requestId) | carried.removeIf(r -> r.id() == requestId);
        if (failedCycles.remove(requestId) != null) {
            int limit = cluster.policy().overloadCycles();
            boolean over = false;
            for (InferenceRequest r : carried) {
                long[] f = failedCycles.get(r.id());
                over |= f != null && f[0] >= limit;
            }
            overloaded = over;
        }
        return removed;
    }

    @Override
    public List<InferenceRequest> drain() {
        List<InferenceRequest> all = new ArrayList<>(carried);
        all.addAll(fresh);
        all.sort(FCFS);
        carried = new ArrayList<>();
        fresh.clear();
        failedCycles.clear();
        overloaded = false;
        return all;
    }

    @Override
    public boolean overloaded() {
        return overloaded;
    }
}
