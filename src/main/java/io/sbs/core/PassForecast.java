package io.sbs.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * When a prefill request would get its first token, sent now to a given DP unit or held for a later
 * top-up: the finish-time arithmetic shared by earliest finish time ({@link EarliestFinishTimePolicy}) and
 * by Staggered Batch Scheduling's decision to hold a request ({@link StaggeredPrefillDispatch}), so that
 * both decide on the same prediction.
 *
 * <p>Implementation notes. Model: each instance's running pass ends at its predicted end {@code E}
 * ({@link ClusterState#predictedPassEnd}: the {@link PassTimeModel} on the pass's tokens; an overdue end
 * counts as now); every later pass takes {@code T̄_fwd}. A unit holding {@code q} tokens beyond the
 * running pass finishes a new prompt of {@code L} tokens at the end of pass {@code ⌈(q + L) / C_max⌉}
 * after {@code E}. A request sent now reaches its unit {@code τ_net} later and joins the pass starting at
 * {@code E} only if it lands before the engine starts that pass, which, with the pass-time prediction's
 * error {@code σ}, it does with probability {@code Φ((E − arrival) / σ)}; otherwise it waits a pass more
 * (behind what the pass at {@code E} leaves). The finish is the expectation over the two. An idle
 * instance starts a pass when the request arrives.
 * Held, a request can join the pass of an instance whose top-up window is still ahead, on the unit with the
 * most room, if its pass cost fits there; else the pass after. The top-up is timed to land with a margin
 * (the window, {@link ClusterState#ready}), so its landing risk is taken as nil: holding for the same pass
 * is never worse than sending now, and lets the window pack the request with those that arrive meanwhile.
 * Requests held in one decision take room in that order, so later ones see less.
 * Cached prefixes: with {@link ClusterState#chargesUncachedTokens} on, a request's {@code L} on a unit is
 * what that unit would compute ({@link ClusterState#computeTokens}: the prompt less the prefix its cache view
 * holds), so units of one instance no longer differ by their queue alone and every unit is priced, O(units)
 * per request; held, it may join the top-up on any unit whose room fits what it would compute there.
 * Thread confinement and lifetime: one decision point of the dispatch thread; decisions taken with it are
 * recorded so later ones see them. Cost: O(instances) per request (an instance's units share {@code C_max},
 * so its best unit is the one with the shortest queue, kept as decisions are recorded). Nanoseconds.
 */
final class PassForecast {

    /**
     * Where a request finishes first if sent now, and when (expected, nanoseconds).
     *
     * @param tokens the prompt tokens it costs there (less a cached prefix when those are charged)
     */
    record Choice(DpUnitState unit, long finishNanos, int tokens) {
    }

    private final class Instance {
        final InstanceState state;
        final boolean running;
        /** When the running pass ends (now if overdue). */
        final long end;
        final long[] beyond;
        final long[] room;
        /** The unit with the fewest tokens queued (the earliest finish here for any prompt, units sharing {@code C_max}). */
        int shortest;
        /** The unit with the most room for the next pass, after what held requests are expected to take. */
        int widest;
        /** The chance that a request sent now lands before the next pass starts. */
        final double landing;

        Instance(InstanceState state) {
            this.state = state;
            this.running = state.passRunning();
            this.end = running ? Math.max(now, cluster.predictedPassEnd(state)) : now;
            this.landing = running ? landsInTime(end - (now + latency)) : 1;
            int n = state.units().size();
            beyond = new long[n];
            room = new long[n];
            for (int d = 0; d < n; d++) {
                DpUnitState u = state.units().get(d);
                beyond[d] = Math.max(0, u.inflightTokens() + u.deviceBacklogTokens());
                room[d] = u.availableCapacity();
            }
            findShortest();
        }

        void findShortest() {
            shortest = 0;
            widest = 0;
            for (int d = 1; d < beyond.length; d++) {
                if (beyond[d] < beyond[shortest]) {
                    shortest = d;
                }
                if (room[d] > room[widest]) {
                    widest = d;
                }
            }
        }

        long chunk(int d) {
            return state.units().get(d).chunkCapacity();
        }
    }

    private final ClusterState cluster;
    private final long now;
    private final long latency;
    private final long sigma;
    private final long meanForward;
    private final long latestTopUp;
    private final boolean cached;
    private double affinity;
    private final List<Instance> instances = new ArrayList<>();
    private final Map<String, Instance> byId = new HashMap<>();

    PassForecast(ClusterState cluster, long now) {
        this.cluster = cluster;
        this.now = now;
        this.latency = cluster.dispatchLatencyNanos(Phase.PREFILL);
        this.sigma = Math.max(1, cluster.predictionSigmaNanos(Phase.PREFILL));
        this.meanForward = Math.max(1, cluster.meanForwardNanos(Phase.PREFILL));
        this.latestTopUp = cluster.latestTopUpNanos(Phase.PREFILL);
        this.cached = cluster.chargesUncachedTokens();
        for (InstanceState i : cluster.candidates(Phase.PREFILL)) {
            Instance inst = new Instance(i);
            instances.add(inst);
            byId.put(i.id(), inst);
        }
    }

    /**
     * Makes {@link #bestNow} weigh, beside the finish, the compute a request costs on each unit:
     * {@code weight · L · T̄_fwd / C_max} (the time its tokens take of a full pass), so a unit holding its
     * prefix is preferred unless it finishes later by more than the compute the hit saves. Only with cached
     * prefixes charged; earliest finish time leaves it at 0, the pure finish.
     */
    PassForecast affinity(double weight) {
        this.affinity = cached ? weight : 0;
        return this;
    }

    /**
     * The unit where {@code r} is expected to finish first if sent now, ties to the unit with fewer tokens
     * queued, then the earlier one; null when no instance takes work.
     */
    @Nullable
    Choice bestNow(InferenceRequest r) {
        Choice best = null;
        long bestQueued = Long.MAX_VALUE;
        double bestKey = Double.MAX_VALUE;
        for (Instance inst : instances) {
            // the finish grows with the tokens queued ahead, so an instance's best is its shortest queue,
            // unless a cached prefix makes the request cheaper on some units than on others
            int from = cached ? 0 : inst.shortest;
            int to = cached ? inst.beyond.length : inst.shortest + 1;
            for (int d = from; d < to; d++) {
                DpUnitState unit = inst.state.units().get(d);
                int len = cached ? cluster.computeTokens(r, unit) : r.promptTokens();
                long finish = finishNow(inst, d, len);
                double key = finish + compute(len, inst.chunk(d));
                if (best == null || key < bestKey || (key == bestKey && inst.beyond[d] < bestQueued)) {
                    best = new Choice(unit, finish, len);
                    bestQueued = inst.beyond[d];
                    bestKey = key;
                }
            }
        }
        return best;
    }

    /** The expected first-token time of a prompt of {@code len} tokens sent now to unit {@code d} of {@code inst}. */
    private long finishNow(Instance inst, int d, int len) {
        long chunk = inst.chunk(d);
        long arrival = now + latency;
        long passes = ceilDiv(inst.beyond[d] + len, chunk);
        if (!inst.running) {
            return arrival + passes(inst, d, inst.beyond[d], len, passes, 0);
        }
        long make = inst.end + passes(inst, d, inst.beyond[d], len, passes, 0);
        long behind = Math.max(0, inst.beyond[d] - chunk);
        long miss = inst.end + meanForward + passes(inst, d, behind, len, ceilDiv(behind + len, chunk), 1);
        return Math.round(inst.landing * make + (1 - inst.landing) * miss);
    }

    /**
     * How long {@code passes} passes of {@code inst} take, the last one running the end of a prompt of
     * {@code len} tokens queued behind {@code ahead} on unit {@code d}, the other units' queues
     * {@code skip} passes on. Without cached prefixes charged, {@code T̄_fwd} each, as before. With them,
     * the last pass is priced by the {@link PassTimeModel} on its straggler (this unit's chunk with its
     * attention over the prompt, or another unit's queue): a cache hit is worth the compute it saves only
     * where this unit sets the pass's pace.
     */
    private long passes(Instance inst, int d, long ahead, int len, long passes, int skip) {
        if (!cached) {
            return passes * meanForward;
        }
        long chunk = inst.chunk(d);
        long own = Math.min(chunk, ahead + len - (passes - 1) * chunk);
        long ownOfPrompt = Math.min(own, len);
        long max = own;
        long sum = own;
        long offset = (passes - 1 + skip) * chunk;
        for (int u = 0; u < inst.beyond.length; u++) {
            if (u != d) {
                long t = Math.max(0, Math.min(inst.chunk(u), inst.beyond[u] - offset));
                max = Math.max(max, t);
                sum += t;
            }
        }
        double attention = (double) ownOfPrompt * len;
        return (passes - 1) * meanForward + cluster.predictPass(Phase.PREFILL, max, sum, attention);
    }

    /**
     * The earliest first-token time of {@code r} if it waits for a top-up of a running instance;
     * {@link Long#MAX_VALUE} when no instance is running (an idle one takes it at once).
     */
    long finishHeld(InferenceRequest r) {
        long best = Long.MAX_VALUE;
        for (Instance inst : instances) {
            if (!inst.running) {
                continue;
            }
            if (!cached) {
                best = Math.min(best, finishHeld(inst, inst.widest, r.promptTokens()));
                continue;
            }
            for (int d = 0; d < inst.room.length; d++) {
                best = Math.min(best, finishHeld(inst, d, cluster.computeTokens(r, inst.state.units().get(d))));
            }
        }
        return best;
    }

    /**
     * What {@link #bestNow} weighs a choice by: its finish plus, with an {@link #affinity}, the compute it
     * costs on its unit; nanoseconds from now (so exact in a double on any clock). The finish when the
     * weight is 0.
     */
    double cost(Choice c) {
        return (c.finishNanos() - now) + compute(c.tokens(), c.unit().chunkCapacity());
    }

    /**
     * The least {@link #cost} of holding {@code r} for a top-up: on the same terms as sending it now, its
     * finish there plus, with an {@link #affinity}, the compute it costs on that unit.
     * {@link Double#MAX_VALUE} when no instance is running; {@link #finishHeld} when the weight is 0.
     */
    double costHeld(InferenceRequest r) {
        if (affinity == 0) {
            long held = finishHeld(r);
            return held == Long.MAX_VALUE ? Double.MAX_VALUE : held - now;
        }
        double best = Double.MAX_VALUE;
        for (Instance inst : instances) {
            if (!inst.running) {
                continue;
            }
            for (int d = 0; d < inst.room.length; d++) {
                int len = cluster.computeTokens(r, inst.state.units().get(d));
                best = Math.min(best, (finishHeld(inst, d, len) - now) + compute(len, inst.chunk(d)));
            }
        }
        return best;
    }

    /** {@code affinity · L · T̄_fwd / C_max}: the affinity weight times the share of a full pass {@code len} tokens take. */
    private double compute(int len, long chunk) {
        return affinity * len * meanForward / chunk;
    }

    /** The first-token time of {@code len} tokens held for the top-up of unit {@code d} of running {@code inst}. */
    private long finishHeld(Instance inst, int d, int len) {
        long chunk = inst.chunk(d);
        long queued = Math.max(0, chunk - inst.room[d]);
        boolean windowAhead = inst.end - now >= latestTopUp && Math.min(len, chunk) <= inst.room[d];
        // The window ahead takes it into the pass at E. Otherwise it could only queue behind that pass's
        // tokens, which it can as well on the device now: such a hold loses a tie (one nanosecond).
        long ahead = windowAhead ? queued : Math.max(chunk, queued);
        return inst.end + passes(inst, d, ahead, len, ceilDiv(ahead + len, chunk), 0) + (windowAhead ? 0 : 1);
    }

    /** A held request is expected to take room at the first top-up that fits it: later ones see less. */
    void reserveHeld(InferenceRequest r) {
        Instance target = null;
        int unit = -1;
        long cost = 0;
        for (Instance inst : instances) {
            if (!inst.running || inst.end - now < latestTopUp || (target != null && inst.end >= target.end)) {
                continue;
            }
            int from = cached ? 0 : inst.widest;
            int to = cached ? inst.room.length : inst.widest + 1;
            // the unit it costs least on (a cached prefix), then the one with the most room
            for (int d = from; d < to; d++) {
                int len = cached ? cluster.computeTokens(r, inst.state.units().get(d)) : r.promptTokens();
                long take = Math.min(len, inst.chunk(d));
                if (take <= inst.room[d] && (target != inst || take < cost
                        || (take == cost && inst.room[d] > target.room[unit]))) {
                    target = inst;
                    unit = d;
                    cost = take;
                }
            }
        }
        if (target != null) {
            target.room[unit] -= cost;
            target.findShortest();
        }
    }

    /** A decision of this point: the unit's queue grows by the prompt. */
    void record(DpUnitState unit, int promptTokens) {
        Instance inst = byId.get(unit.id().instanceId());
        if (inst == null) {
            return;
        }
        int d = unit.id().dpRank();
        inst.beyond[d] += promptTokens;
        inst.room[d] -= promptTokens;
        inst.findShortest();
    }

    /** Φ(slack / σ): the chance that a request with {@code slack} before the predicted pass start lands in time. */
    private double landsInTime(long slack) {
        double z = slack / (double) sigma;
        // logistic approximation of the normal distribution function (absolute error under 0.01)
        return 1 / (1 + Math.exp(-1.702 * z));
    }

    private static long ceilDiv(long a, long b) {
        return Math.max(1, (a + b - 1) / b);
    }
}
