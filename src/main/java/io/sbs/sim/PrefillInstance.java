package io.sbs.sim;

import io.sbs.core.ForwardEndedEvent;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * One simulated prefill instance of {@link PrefillSimulation}: its engine ({@link PrefillEngineModel}) running
 * gated, non-preemptive passes, the faults that strike it, and what a pass end tells the simulation. Every
 * instance of a run draws its pass jitter from the same generator, in event order, so a seed gives one run.
 */
final class PrefillInstance {

    /** What the instance tells its simulation when a pass ends. */
    interface Listener {
        /** The pass that just ended ran {@code request}'s last chunk: its first token is on its way. */
        void prefilled(int request, String instanceId);

        /** The engine pushes EndForward for the pass that just ended (not when muted, nor as a stock engine). */
        void forwardEnded(ForwardEndedEvent event);
    }

    private static final long MS = 1_000_000L;

    final int index;
    final String id;
    private final PrefillSimulation.Config config;
    private final EngineProfile.Prefill shape;
    private final PrefillEngineModel engine;
    private final EventQueue events;
    private final SplittableRandom jitter;
    private final PrefillRecords records;
    private final Listener listener;
    /** A pass start is scheduled for this instant, after the other deliveries of the instant. */
    private boolean starting;

    PrefillInstance(int index, String id, PrefillSimulation.Config config, EventQueue events, SplittableRandom jitter,
            PrefillRecords records, Listener listener) {
        this.index = index;
        this.id = id;
        this.config = config;
        this.shape = config.profile().prefill();
        this.engine = new PrefillEngineModel(shape);
        this.events = events;
        this.jitter = jitter;
        this.records = records;
        this.listener = listener;
    }

    private @Nullable Fault activeFault(long t) {
        for (Fault f : config.faults()) {
            if (f.instanceIndex() == index && f.activeAt(t)) {
                return f;
            }
        }
        return null;
    }

    boolean dead(long t) {
        Fault f = activeFault(t);
        return f != null && f.kind() == Fault.Kind.DEATH;
    }

    /** Whether the instance sends nothing at {@code t}: silenced or dead. */
    boolean mute(long t) {
        Fault f = activeFault(t);
        return f != null && (f.kind() == Fault.Kind.SILENCE || f.kind() == Fault.Kind.DEATH);
    }

    /** Per unit: running requests, waiting requests, queued tokens, as a load poll reads them. */
    long[][] load() {
        return engine.load();
    }

    void receive(int request, int rank) {
        long now = events.now();
        if (dead(now)) {
            records.lost(request);
            return;
        }
        WorkloadRequest wr = config.workload().get(request);
        records.reached(request, now, engine.receive(request, wr.promptTokens(), wr.blockHashes(), rank));
        if (!engine.busy() && !starting) {
            // The engine's loop picks up everything that reached it in the same instant (one batch sent
            // together), so the pass starts after the other deliveries of this instant.
            starting = true;
            events.schedule(now, () -> {
                starting = false;
                if (!engine.busy()) {
                    startPass();
                }
            });
        }
    }

    /** Starts a pass if anything is queued; returns the tokens each unit took (all zero when none). */
    private long[] startPass() {
        long now = events.now();
        Fault f = activeFault(now);
        double slowdown = f != null && f.kind() == Fault.Kind.SLOWDOWN ? f.factor() : 1;
        PrefillEngineModel.Pass pass = engine.startPass(jitter, slowdown);
        if (pass == null) {
            return new long[shape.dpUnits()];
        }
        for (long r : pass.starting()) {
            records.passStarted((int) r, now);
        }
        events.schedule(now + pass.durationNanos(), () -> endPass(pass));
        return pass.tokens();
    }

    private void endPass(PrefillEngineModel.Pass pass) {
        long now = events.now();
        engine.passEnded();
        if (dead(now)) {
            for (long r : pass.finishing()) {
                records.lost((int) r);
            }
            for (long r : engine.clear()) {
                records.lost((int) r);
            }
            return;
        }
        records.passEnded(now, (double) pass.totalTokens() / ((long) shape.unitChunkTokens() * shape.dpUnits()),
                pass.durationNanos() / (double) MS);
        for (long r : pass.finishing()) {
            listener.prefilled((int) r, id);
        }
        long[] receivedNow = engine.takeReceived();
        long[] next = startPass();
        long[] backlog = engine.backlog();
        if (mute(now) || config.signals() == Signals.STOCK) {
            return;
        }
        listener.forwardEnded(new ForwardEndedEvent(id, now, pass.durationNanos(), pass.tokens(), receivedNow, next,
                backlog));
    }
}
