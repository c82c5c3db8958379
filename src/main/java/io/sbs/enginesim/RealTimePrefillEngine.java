package io.sbs.enginesim;

import io.sbs.sim.EngineProfile;
import io.sbs.sim.PrefillEngineModel;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A simulated prefill instance in real time: the simulator's {@link PrefillEngineModel} driven by a
 * single-thread scheduler, so passes take the profile's time on the wall clock. Every model access runs on
 * that thread; callers get futures.
 */
public final class RealTimePrefillEngine implements AutoCloseable {

    /** What the engine reports when a pass ends (the EndForward push). */
    public record PassReport(String instanceId, long durationNanos, long[] passTokens, long[] receivedTokens,
            long[] nextPassTokens, long[] backlogTokens) {
    }

    /**
     * Per-rank load in SGLang's {@code /get_load} terms, and the rank's prefix cache since the start.
     *
     * @param promptTokens prompt tokens received
     * @param cachedTokens of those, the tokens found in the prefix cache and not computed
     */
    public record RankSnapshot(int dpRank, int numReqs, int numWaitingReqs, long numTokens, long promptTokens,
            long cachedTokens) {

        /** Cached over received prompt tokens; 0 before any. */
        public double cacheHitRate() {
            return promptTokens == 0 ? 0 : (double) cachedTokens / promptTokens;
        }
    }

    private final String instanceId;
    private final PrefillEngineModel model;
    private final ScheduledExecutorService loop;
    private final SplittableRandom jitter;
    private final Consumer<PassReport> endForward;
    private final Map<Long, CompletableFuture<Integer>> waiting = new HashMap<>();
    private final Map<Long, Integer> cachedOf = new HashMap<>();
    private final long[] promptTokens;
    private final long[] cachedTokens;
    private final Map<Long, Integer> rankOf = new HashMap<>();
    private final Set<Long> started = new HashSet<>();
    private volatile double slowdown = 1;
    private volatile boolean silent;
    private boolean startScheduled;

    public RealTimePrefillEngine(String instanceId, EngineProfile.Prefill shape, long seed, Consumer<PassReport> endForward) {
        this.instanceId = instanceId;
        this.model = new PrefillEngineModel(shape);
        this.promptTokens = new long[shape.dpUnits()];
        this.cachedTokens = new long[shape.dpUnits()];
        this.jitter = new SplittableRandom(seed);
        this.endForward = endForward;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "engine-sim-" + instanceId);
            t.setDaemon(true);
            return t;
        });
    }

    public int dpUnits() {
        return model.dpUnits();
    }

    /** Queues a prompt on unit {@code rank}; completes when the pass that finishes its prefill ends. */
    public CompletableFuture<Void> submit(long requestId, int promptTokens, int rank) {
        return submit(requestId, promptTokens, new long[0], rank).thenApply(cached -> null);
    }

    /**
     * Queues a prompt of prefix blocks {@code blockHashes} on unit {@code rank}, whose cached leading blocks
     * are not computed again; completes with those cached tokens when the pass that finishes its prefill ends.
     */
    public CompletableFuture<Integer> submit(long requestId, int prompt, long[] blockHashes, int rank) {
        if (rank < 0 || rank >= model.dpUnits()) {
            throw new IllegalArgumentException("dp rank " + rank + " out of range 0.." + (model.dpUnits() - 1));
        }
        CompletableFuture<Integer> done = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                waiting.put(requestId, done);
                rankOf.put(requestId, rank);
                int cached = model.cachedTokens(prompt, blockHashes, rank);
                cachedOf.put(requestId, cached);
                promptTokens[rank] += prompt;
                cachedTokens[rank] += cached;
                model.receive(requestId, prompt, blockHashes, rank);
                if (!model.busy() && !startScheduled) {
                    // requests that arrive together join one pass, as the engine's loop takes its whole queue
                    startScheduled = true;
                    loop.execute(this::startPass);
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new IllegalStateException("engine stopped", e));
        }
        return done;
    }

    /** Abandons a request the client no longer wants (it may still be computed if already in a pass). */
    public void cancel(long requestId) {
        loop.execute(() -> {
            CompletableFuture<Integer> f = waiting.remove(requestId);
            cachedOf.remove(requestId);
            if (f != null) {
                f.cancel(false);
            }
        });
    }

    private void startPass() {
        startScheduled = false;
        PrefillEngineModel.Pass pass = model.startPass(jitter, slowdown);
        if (pass == null) {
            return;
        }
        for (long r : pass.starting()) {
            started.add(r);
        }
        loop.schedule(() -> endPass(pass), pass.durationNanos(), TimeUnit.NANOSECONDS);
    }

    private void endPass(PrefillEngineModel.Pass pass) {
        model.passEnded();
        for (long r : pass.finishing()) {
            rankOf.remove(r);
            started.remove(r);
            CompletableFuture<Integer> f = waiting.remove(r);
            Integer cached = cachedOf.remove(r);
            if (f != null) {
                f.complete(cached == null ? 0 : cached);
            }
        }
        long[] received = model.takeReceived();
        PrefillEngineModel.Pass next = model.startPass(jitter, slowdown);
        long[] nextTokens = next == null ? new long[model.dpUnits()] : next.tokens();
        if (next != null) {
            for (long r : next.starting()) {
                started.add(r);
            }
            loop.schedule(() -> endPass(next), next.durationNanos(), TimeUnit.NANOSECONDS);
        }
        if (!silent) {
            endForward.accept(new PassReport(instanceId, pass.durationNanos(), pass.tokens(), received, nextTokens,
                    model.backlog()));
        }
    }

    /** The per-rank load, as SGLang's {@code /get_load} reports it. */
    public CompletableFuture<RankSnapshot[]> load() {
        return CompletableFuture.supplyAsync(() -> {
            int[] all = new int[model.dpUnits()];
            int[] waitingReqs = new int[model.dpUnits()];
            for (Map.Entry<Long, Integer> e : rankOf.entrySet()) {
                all[e.getValue()]++;
                if (!started.contains(e.getKey())) {
                    waitingReqs[e.getValue()]++;
                }
            }
            long[] backlog = model.backlog();
            RankSnapshot[] out = new RankSnapshot[all.length];
            for (int d = 0; d < all.length; d++) {
                out[d] = new RankSnapshot(d, all[d], waitingReqs[d], backlog[d], promptTokens[d], cachedTokens[d]);
            }
            return out;
        }, loop);
    }

    /** Fault switch: passes take {@code factor} times longer (1 restores). */
    public void slowdown(double factor) {
        if (!(factor >= 1)) {
            throw new IllegalArgumentException("slowdown factor must be >= 1");
        }
        slowdown = factor;
    }

    /** Fault switch: EndForward pushes are dropped while silent. */
    public void silent(boolean value) {
        silent = value;
    }

    @Override
    public void close() {
        loop.shutdownNow();
    }
}
