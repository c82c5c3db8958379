package io.sbs.sim;

import io.sbs.core.ClusterState;
import io.sbs.core.DecodeStepEndedEvent;
import io.sbs.core.DpUnitId;
import io.sbs.core.InferenceRequest;
import io.sbs.core.Phase;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * One simulated decode instance, stepping in lockstep (continuous batching), shared by the decode-only
 * simulation and the coupled P/D one so both run the same engine.
 *
 * <p>Model (docs/simulator.md): each step every running request of every unit emits one token and its KV
 * grows by one; a step lasts {@code t0 + max_d(kv·k_d/1000 + batch·b_d) + shared·Σ_d b_d}, jittered, so
 * the unit with the most KV or the largest batch sets everyone's pace (DP+EP straggler). A unit admits a
 * waiting request at a step boundary when the KV it reserves (prompt plus true output of its running
 * requests) leaves room for it: the engine knows when a request ends (it stops it), the dispatcher does
 * not, so a memory straggler queues work rather than running out. The report after each step counts the
 * requests received since the last one at the KV the dispatcher expected of them, as the live dispatch
 * loop counts its own decisions against a load poll.
 */
final class DecodeInstance {

    /** What the instance tells its simulation. */
    interface Listener {
        /** A step of {@code durationNanos} ended, {@code tokens} generated; {@code report} is the engine's load. */
        void stepEnded(long durationNanos, long tokens, DecodeStepEndedEvent report);

        /** {@code request} (its true length) finished on {@code unit}; it joined a batch at {@code startedAt}. */
        void finished(InferenceRequest request, DpUnitId unit, long startedAt);
    }

    private static final long MS = 1_000_000L;
    private static final String PREFIX = "decode-";

    private record Running(InferenceRequest request, long finishStep, long startedAt) {
    }

    private static final class Unit {
        final PriorityQueue<Running> running = new PriorityQueue<>(
                (a, b) -> a.finishStep != b.finishStep ? Long.compare(a.finishStep, b.finishStep)
                        : Long.compare(a.request.id(), b.request.id()));
        final ArrayDeque<InferenceRequest> waiting = new ArrayDeque<>();
        long kv;
        long reserved;
        int receivedRequests;
        long receivedKv;
    }

    final String id;
    private final EngineProfile.Decode shape;
    private final EventQueue events;
    private final SplittableRandom jitter;
    private final Listener listener;
    private final List<Unit> units = new ArrayList<>();
    private long step;
    private boolean stepping;

    DecodeInstance(String id, EngineProfile.Decode shape, EventQueue events, SplittableRandom jitter, Listener listener) {
        this.id = id;
        this.shape = shape;
        this.events = events;
        this.jitter = jitter;
        this.listener = listener;
        for (int d = 0; d < shape.dpUnits(); d++) {
            units.add(new Unit());
        }
    }

    /**
     * Registers {@code count} decode instances of {@code shape} ({@code decode-0}, {@code decode-1}, ...) with
     * the dispatcher's cluster state and starts their engines; all draw their jitter from {@code jitter}.
     */
    static List<DecodeInstance> start(ClusterState cluster, EngineProfile.Decode shape, int count, EventQueue events,
            SplittableRandom jitter, Listener listener) {
        List<DecodeInstance> instances = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = PREFIX + i;
            cluster.addInstance(id, Phase.DECODE, shape.dpUnits(), 1, shape.kvCapacityTokens(), 0);
            instances.add(new DecodeInstance(id, shape, events, jitter, listener));
        }
        return instances;
    }

    /** The position of the instance {@code instanceId} in {@link #start}'s list. */
    static int indexOf(String instanceId) {
        return Integer.parseInt(instanceId.substring(PREFIX.length()));
    }

    /** KV tokens each unit holds now. */
    long[] kv() {
        long[] kv = new long[units.size()];
        for (int d = 0; d < kv.length; d++) {
            kv[d] = units.get(d).kv;
        }
        return kv;
    }

    /** {@code truth} (its true output length) reaches rank {@code rank}; the dispatcher expected {@code expectedKv}. */
    void receive(InferenceRequest truth, int rank, long expectedKv) {
        Unit u = units.get(rank);
        u.waiting.add(truth);
        u.receivedRequests++;
        u.receivedKv += expectedKv;
        if (!stepping) {
            startStep();
        }
    }

    private void startStep() {
        long now = events.now();
        double straggler = 0;
        long batch = 0;
        for (Unit u : units) {
            while (!u.waiting.isEmpty()
                    && u.reserved + u.waiting.peek().totalTokens() <= shape.kvCapacityTokens()) {
                InferenceRequest r = u.waiting.poll();
                u.reserved += r.totalTokens();
                u.kv += r.promptTokens();
                u.running.add(new Running(r, step + r.outputTokens(), now));
            }
            int b = u.running.size();
            batch += b;
            straggler = Math.max(straggler, shape.kvMsPerKToken() * u.kv / 1000.0 + shape.batchMsPerRequest() * b);
        }
        if (batch == 0) {
            stepping = false;
            return;
        }
        stepping = true;
        double ms = shape.t0Ms() + straggler + shape.sharedMsPerRequest() * batch;
        ms *= 1 + shape.jitterFraction() * (2 * jitter.nextDouble() - 1);
        long duration = Math.max(1, Math.round(ms * MS));
        events.schedule(now + duration, () -> endStep(duration));
    }

    private void endStep(long duration) {
        long now = events.now();
        step++;
        long tokens = 0;
        int[] batch = new int[units.size()];
        long[] kv = new long[units.size()];
        int[] received = new int[units.size()];
        long[] receivedKv = new long[units.size()];
        List<Running> finished = new ArrayList<>();
        List<Integer> finishedRanks = new ArrayList<>();
        for (int d = 0; d < units.size(); d++) {
            Unit u = units.get(d);
            int b = u.running.size();
            u.kv += b;
            tokens += b;
            while (!u.running.isEmpty() && u.running.peek().finishStep <= step) {
                Running done = u.running.poll();
                u.kv -= done.request.totalTokens();
                u.reserved -= done.request.totalTokens();
                finished.add(done);
                finishedRanks.add(d);
            }
            batch[d] = u.running.size() + u.waiting.size();
            long waitingKv = 0;
            for (InferenceRequest w : u.waiting) {
                waitingKv += w.promptTokens();
            }
            kv[d] = u.kv + waitingKv;
            received[d] = u.receivedRequests;
            receivedKv[d] = u.receivedKv;
            u.receivedRequests = 0;
            u.receivedKv = 0;
        }
        for (int i = 0; i < finished.size(); i++) {
            Running done = finished.get(i);
            listener.finished(done.request, new DpUnitId(id, finishedRanks.get(i)), done.startedAt);
        }
        listener.stepEnded(duration, tokens, new DecodeStepEndedEvent(id, now, duration, batch, kv, received, receivedKv));
        startStep();
    }
}
