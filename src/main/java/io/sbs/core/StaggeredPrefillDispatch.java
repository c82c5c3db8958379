package io.sbs.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Staggered Batch Scheduling for prefill (paper sections 3.2 and 4): buffer, then dispatch batches to the
 * instances whose next pass is about to start, packed by a {@link PrefillAllocator}; and never hold a
 * request where sending it at once is expected to give it its first token sooner.
 *
 * <p>Implementation notes. Model: readiness is judged per instance ({@link ClusterState#ready}: idle, or
 * its running pass predicted to end within the top-up window) and capacity per DP unit by {@code C_avail},
 * so each ready unit is topped up to {@code C_max} for its next pass, backlog counted (SPEC.md section 9).
 * Ticks come every {@code Δ = (T̄_fwd + τ_net) / N} and at each running instance's predicted pass end
 * minus {@link ClusterState#dispatchHorizonNanos}, so a top-up lands before the engine starts its next
 * pass. Containment of earliest finish time: at every decision each buffered request is priced with
 * {@link PassForecast}, the finish-time arithmetic {@link EarliestFinishTimePolicy} routes by. If the
 * unit where it would finish first belongs to a ready instance, it joins that instance's top-up; if
 * sending it now is expected to finish it sooner than any top-up it could still join (its instance's
 * window has closed but the pass can still be made, or every window ahead is full), it is sent now to that
 * unit; otherwise it is held, which costs nothing (the window's top-up lands in the same pass) and lets the
 * window pack it with what arrives meanwhile. A top-up packs its requests by the allocator (longest first,
 * water filling); with cached prefixes charged each request first goes to the unit the forecast chose
 * for it, where it still fits, and the allocator takes the rest. What the allocator cannot fit whole is
 * sent now only where that is expected to finish it sooner. Every comparison between holding and sending
 * is of {@link PassForecast#cost}s, the same terms the unit was chosen by. Fairness: a request buffered
 * longer than {@code T̄_fwd} goes first, in arrival order; the others longest first. Overload: flow control
 * is on while a buffered request has waited, or a request just sent is expected to wait, more than
 * {@code overloadCycles} passes ({@code K · T̄_fwd}); the latter only once it has lasted {@code K} passes,
 * so a burst that drains does not refuse requests.
 * Complexity: O((R + U) · U) per cycle for R requests examined (at most {@value #MAX_EXAMINED}) and U units;
 * an arrival that finds no instance ready is decided alone, in O(U).
 */
public final class StaggeredPrefillDispatch implements PhaseDispatch {

    private static final Comparator<InferenceRequest> FCFS = Comparator
            .comparingLong(InferenceRequest::arrivalNanos).thenComparingLong(InferenceRequest::id);

    /** Buffered requests re-decided per cycle; the rest keep waiting (under overload the buffer holds thousands). */
    static final int MAX_EXAMINED = 512;

    /**
     * With cached prefixes charged, how much a unit's compute for a request weighs beside its finish when
     * SBS picks the unit ({@link PassForecast#affinity}): the request's own finish barely moves with a hit
     * (the pass time is the straggler's), but every token it computes delays what queues behind it, and a
     * prefix kept on one unit instead of copied on several leaves room for other conversations. The hold is
     * weighed on the same terms ({@link PassForecast#costHeld}). Measured on the Mooncake traces
     * (docs/benchmarks.md): 1 left the conversation trace's hit ratio 4.8 points below SGLang-router-style
     * routing's, 2 is 2.5 below and the fastest, 4 costs mean TTFT.
     */
    static final double CACHE_AFFINITY = 2;
    private final ClusterState cluster;
    private final PrefillAllocator allocator;
    /** Buffered requests, in arrival order. */
    private List<InferenceRequest> held = new ArrayList<>();
    /** Buffered requests over the wait limit at the last cycle. */
    private final Set<Long> overHeld = new HashSet<>();
    /** Since when requests sent are expected to wait more than K passes; {@link Long#MIN_VALUE} while not. */
    private long overSentSince = Long.MIN_VALUE;
    /** That has lasted K passes: the engines are not catching up. */
    private boolean overSent;

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
        cluster.checkWatchdogs(Phase.PREFILL, now);
        held.add(request);
        for (InstanceState i : cluster.candidates(Phase.PREFILL)) {
            if (cluster.ready(i, now)) {
                return cycle(now);
            }
        }
        // No window is open: only the newcomer's choice can have changed, between waiting and going now.
        PassForecast forecast = new PassForecast(cluster, now).affinity(CACHE_AFFINITY);
        PassForecast.Choice c = forecast.bestNow(request);
        if (c != null && forecast.cost(c) < forecast.costHeld(request)) {
            held.remove(held.size() - 1);
            Assignment a = new Assignment(request, c.unit().id());
            cluster.recordDispatch(a, Phase.PREFILL, now);
            noteSent(over(now, c.finishNanos()), now);
            return List.of(a);
        }
        // the latest decision is a hold for a window ahead: not a sign of overload
        noteSent(false, now);
        return List.of();
    }

    @Override
    public List<Assignment> onTick(long now) {
        cluster.checkWatchdogs(Phase.PREFILL, now);
        if (held.isEmpty()) {
            overHeld.clear();
            // With nothing buffered no decision renews the flag, and while it is on admission takes nothing
            // that would: so it follows what a request sent now would wait, and lifts when the engines catch up.
            if (overSentSince != Long.MIN_VALUE) {
                noteSent(overIfSentNow(now), now);
            }
            return List.of();
        }
        return cycle(now);
    }

    private List<Assignment> cycle(long now) {
        PassForecast forecast = new PassForecast(cluster, now).affinity(CACHE_AFFINITY);
        List<InferenceRequest> order = priorityOrder(now);
        Map<String, Boolean> ready = new HashMap<>();
        List<InferenceRequest> starving = new ArrayList<>();
        List<InferenceRequest> topUp = new ArrayList<>();
        List<PassForecast.Choice> topUpChoices = new ArrayList<>();
        List<InferenceRequest> still = new ArrayList<>();
        List<Assignment> placed = new ArrayList<>();
        long starvingBefore = now - cluster.meanForwardNanos(Phase.PREFILL);
        boolean over = false;
        for (int i = 0; i < order.size(); i++) {
            InferenceRequest r = order.get(i);
            PassForecast.Choice c = i < MAX_EXAMINED ? forecast.bestNow(r) : null;
            if (c == null) {
                still.add(r);
                continue;
            }
            String instance = c.unit().id().instanceId();
            boolean waitedAPass = r.arrivalNanos() < starvingBefore;
            if (ready.computeIfAbsent(instance, id -> cluster.ready(cluster.instance(id), now))) {
                if (waitedAPass) {
                    starving.add(r);
                } else {
                    topUp.add(r);
                    topUpChoices.add(c);
                }
                forecast.record(c.unit(), c.tokens());
            } else if (waitedAPass || forecast.cost(c) < forecast.costHeld(r)) {
                // a request that already waited a pass has seen the windows it was held for go by full:
                // the estimate of holding was too hopeful, and it goes where it finishes first
                placed.add(send(r, c, now));
                forecast.record(c.unit(), c.tokens());
                over |= over(now, c.finishNanos());
            } else {
                still.add(r);
                forecast.reserveHeld(r);
            }
        }
        if (cluster.chargesUncachedTokens()) {
            topUp = placeAsForecast(topUp, topUpChoices, placed, now);
        }
        if (!starving.isEmpty() || !topUp.isEmpty()) {
            Allocation allocation = allocator.allocate(starving, topUp, openUnits(ready));
            for (Assignment a : allocation.placed()) {
                cluster.recordDispatch(a, Phase.PREFILL, now);
            }
            placed.addAll(allocation.placed());
            // What the window could not fit whole (a prompt spanning passes, with no unit free for its first
            // chunk) starts where it finishes first, unless waiting is expected to finish it sooner: its best
            // unit was in this window, so holding gains it nothing but a later window.
            // Its chance at a later window is what the requests held for those windows leave.
            PassForecast after = new PassForecast(cluster, now).affinity(CACHE_AFFINITY);
            for (InferenceRequest r : still) {
                after.reserveHeld(r);
            }
            for (InferenceRequest r : allocation.pending()) {
                PassForecast.Choice c = after.bestNow(r);
                if (c != null && after.cost(c) <= after.costHeld(r)) {
                    placed.add(send(r, c, now));
                    after.record(c.unit(), c.tokens());
                    over |= over(now, c.finishNanos());
                } else {
                    still.add(r);
                }
            }
        }
        still.sort(FCFS);
        held = still;
        long limit = limitNanos();
        overHeld.clear();
        for (InferenceRequest r : held) {
            if (now - r.arrivalNanos() > limit) {
                overHeld.add(r.id());
            }
        }
        noteSent(over, now);
        return placed;
    }

    /**
     * With cached prefixes charged, a top-up request goes to the unit the forecast chose it for, where it
     * still fits; returns the rest, for the allocator. The choices were made in the allocator's order, each
     * seeing those before it, and priced the cache by the finish and the compute on uncached tokens, as the
     * decision to hold did; the cache-aware allocator's own rule (longest cached prefix within the imbalance
     * guard) would price a hit a second, different way and move requests off the units they were held for.
     */
    private List<InferenceRequest> placeAsForecast(List<InferenceRequest> topUp, List<PassForecast.Choice> choices,
            List<Assignment> placed, long now) {
        List<InferenceRequest> rest = new ArrayList<>();
        for (int i = 0; i < topUp.size(); i++) {
            InferenceRequest r = topUp.get(i);
            DpUnitState unit = choices.get(i).unit();
            if (unit.passCost(cluster.computeTokens(r, unit)) <= unit.availableCapacity()) {
                Assignment a = new Assignment(r, unit.id());
                cluster.recordDispatch(a, Phase.PREFILL, now);
                placed.add(a);
            } else {
                rest.add(r);
            }
        }
        return rest;
    }

    /** Requests buffered longer than a pass first, in arrival order; then the others longest first. */
    private List<InferenceRequest> priorityOrder(long now) {
        long starvingBefore = now - cluster.meanForwardNanos(Phase.PREFILL);
        List<InferenceRequest> order = new ArrayList<>(held.size());
        List<InferenceRequest> rest = new ArrayList<>();
        for (InferenceRequest r : held) {
            (r.arrivalNanos() < starvingBefore ? order : rest).add(r);
        }
        rest.sort(WaterFillingPrefillAllocator.LONGEST_FIRST);
        order.addAll(rest);
        return order;
    }

    private List<DpUnitState> openUnits(Map<String, Boolean> ready) {
        List<DpUnitState> open = new ArrayList<>();
        for (InstanceState inst : cluster.candidates(Phase.PREFILL)) {
            if (Boolean.TRUE.equals(ready.get(inst.id()))) {
                for (DpUnitState u : inst.units()) {
                    if (u.availableCapacity() > 0) {
                        open.add(u);
                    }
                }
            }
        }
        return open;
    }

    private Assignment send(InferenceRequest r, PassForecast.Choice c, long now) {
        Assignment a = new Assignment(r, c.unit().id());
        cluster.recordDispatch(a, Phase.PREFILL, now);
        return a;
    }

    /** {@code K · T̄_fwd}: a wait of more passes than that means the cluster is not keeping up. */
    private long limitNanos() {
        return cluster.policy().overloadCycles() * Math.max(1, cluster.meanForwardNanos(Phase.PREFILL));
    }

    /**
     * A burst (a takeover's backlog decided at once, a traffic spike) may queue more than {@code K} passes at
     * the engines and drain in a few more; refusing requests for it would turn a hiccup into errors. Flow
     * control comes on only once requests sent have been expected to wait that long for {@code K} passes,
     * as a buffered request must wait {@code K} passes before it counts.
     */
    private void noteSent(boolean over, long now) {
        if (!over) {
            overSentSince = Long.MIN_VALUE;
            overSent = false;
            return;
        }
        if (overSentSince == Long.MIN_VALUE) {
            overSentSince = now;
        }
        overSent = now - overSentSince >= limitNanos();
    }

    /** Whether the smallest request, arriving now, would wait more than {@code K} passes wherever it went. */
    private boolean overIfSentNow(long now) {
        InferenceRequest probe = new InferenceRequest(-1, 1, 0, now);
        PassForecast.Choice c = new PassForecast(cluster, now).affinity(CACHE_AFFINITY).bestNow(probe);
        return c != null && over(now, c.finishNanos());
    }

    /**
     * Whether a request sent now with this expected finish waits at its engine more than {@code K} passes
     * beyond its own. Counted from now, not from its arrival: the time it spent buffered is judged on its own
     * (a buffered request past {@code K} passes), and a request that waited for a leader during a takeover
     * says nothing of whether the engines keep up.
     */
    private boolean over(long now, long finishNanos) {
        return finishNanos - now > limitNanos() + cluster.meanForwardNanos(Phase.PREFILL);
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
        return held.size();
    }

    @Override
    public boolean cancel(long requestId) {
        overHeld.remove(requestId);
        return held.removeIf(r -> r.id() == requestId);
    }

    @Override
    public List<InferenceRequest> drain() {
        List<InferenceRequest> all = new ArrayList<>(held);
        all.sort(FCFS);
        held = new ArrayList<>();
        overHeld.clear();
        overSentSince = Long.MIN_VALUE;
        overSent = false;
        return all;
    }

    @Override
    public boolean overloaded() {
        return overSent || !overHeld.isEmpty();
    }
}
