package io.sbs.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * One gated, non-preemptive prefill instance of DP units, as an engine profile describes it: per-unit
 * device queues, chunked prefill, optional prefix caching, and the pass-time model. It has no clock: the
 * caller starts a pass, waits the {@link Pass#durationNanos()} it returns (in virtual or real time) and
 * reports the end. The discrete-event simulator and a real-time engine server drive the same model.
 *
 * <p>A pass takes up to {@code C_max} tokens from the head of each unit's queue (a prompt longer than
 * that is chunked over several passes) and lasts
 * {@code t0 + max_d(bMax·tokens_d + attention·Σ chunk·(done + chunk) / 10^6) + bSum·Σ_d tokens_d},
 * times {@code 1 + jitter·U(-1, 1)} and the caller's slowdown factor. Not thread-safe.
 */
public final class PrefillEngineModel {

    /**
     * A started pass.
     *
     * @param tokens    prompt tokens each unit runs in it
     * @param finishing requests whose last chunk it runs: they have their first token when it ends
     * @param starting  requests whose first chunk it runs
     */
    public record Pass(long[] tokens, long totalTokens, long durationNanos, long[] finishing, long[] starting) {
    }

    private static final class Item {
        final long request;
        int remaining;
        int done;

        Item(long request, int remaining) {
            this.request = request;
            this.remaining = remaining;
        }
    }

    private final EngineProfile.Prefill shape;
    private final int unitChunk;
    private final List<ArrayDeque<Item>> queues = new ArrayList<>();
    private final List<LinkedHashMap<Long, Boolean>> caches = new ArrayList<>();
    private final long[] received;
    private final int[] running;
    private boolean busy;

    public PrefillEngineModel(EngineProfile.Prefill shape) {
        this.shape = shape;
        this.unitChunk = shape.unitChunkTokens();
        this.received = new long[shape.dpUnits()];
        this.running = new int[shape.dpUnits()];
        int limit = shape.cacheBlocksPerUnit();
        for (int d = 0; d < shape.dpUnits(); d++) {
            queues.add(new ArrayDeque<>());
            caches.add(new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                    return size() > limit;
                }
            });
        }
    }

    public int dpUnits() {
        return shape.dpUnits();
    }

    /** {@code C_max} of each unit. */
    public int unitChunkTokens() {
        return unitChunk;
    }

    /**
     * Prompt tokens of a request with {@code blockHashes} that unit {@code rank} would not compute, its cached
     * leading blocks, as {@link #receive} counts them; reads the cache without touching its recency.
     */
    public int cachedTokens(int promptTokens, long[] blockHashes, int rank) {
        if (shape.cacheBlocksPerUnit() == 0) {
            return 0;
        }
        LinkedHashMap<Long, Boolean> cache = caches.get(rank);
        int hit = 0;
        while (hit < blockHashes.length && cache.containsKey(blockHashes[hit])) {
            hit++;
        }
        return (int) Math.min(promptTokens - 1L, (long) hit * shape.cacheBlockTokens());
    }

    /**
     * A request reached unit {@code rank}'s queue; its cached prefix blocks are not computed again.
     *
     * @return the prompt tokens the unit's cache held (the engine's own hit, whatever the dispatcher thought)
     */
    public int receive(long request, int promptTokens, long[] blockHashes, int rank) {
        int tokens = promptTokens;
        if (shape.cacheBlocksPerUnit() > 0 && blockHashes.length > 0) {
            LinkedHashMap<Long, Boolean> cache = caches.get(rank);
            int hit = 0;
            for (long h : blockHashes) {
                if (cache.get(h) == null) {
                    break;
                }
                hit++;
            }
            tokens = Math.max(1, tokens - Math.min(tokens - 1, hit * shape.cacheBlockTokens()));
            for (long h : blockHashes) {
                cache.put(h, Boolean.TRUE);
            }
        }
        queues.get(rank).add(new Item(request, tokens));
        received[rank] += promptTokens;
        return promptTokens - tokens;
    }

    /** A pass is running. */
    public boolean busy() {
        return busy;
    }

    /** Nothing running and nothing queued. */
    public boolean idle() {
        if (busy) {
            return false;
        }
        for (ArrayDeque<Item> q : queues) {
            if (!q.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Starts a pass with what is queued; null (and not busy) when nothing is.
     *
     * @param slowdown multiplier of the pass time (1 when healthy)
     */
    public Pass startPass(RandomGenerator jitter, double slowdown) {
        int units = shape.dpUnits();
        long[] tokens = new long[units];
        List<Long> finishing = new ArrayList<>();
        List<Long> starting = new ArrayList<>();
        double straggler = 0;
        long sum = 0;
        for (int d = 0; d < units; d++) {
            ArrayDeque<Item> q = queues.get(d);
            int budget = unitChunk;
            double attention = 0;
            running[d] = 0;
            for (Item it : q) {
                if (budget <= 0) {
                    break;
                }
                running[d]++;
                budget -= Math.min(it.remaining, budget);
            }
            budget = unitChunk;
            while (budget > 0 && !q.isEmpty()) {
                Item it = q.peek();
                int t = Math.min(it.remaining, budget);
                if (it.done == 0) {
                    starting.add(it.request);
                }
                attention += (double) t * (it.done + t);
                it.remaining -= t;
                it.done += t;
                budget -= t;
                if (it.remaining == 0) {
                    q.poll();
                    finishing.add(it.request);
                }
            }
            tokens[d] = unitChunk - budget;
            sum += tokens[d];
            straggler = Math.max(straggler,
                    shape.bMaxMsPerToken() * tokens[d] + shape.attentionMsPerMTokenSq() * attention / 1e6);
        }
        if (sum == 0) {
            busy = false;
            return null;
        }
        double ms = shape.t0Ms() + straggler + shape.bSumMsPerToken() * sum;
        ms *= (1 + shape.jitterFraction() * (2 * jitter.nextDouble() - 1)) * slowdown;
        busy = true;
        return new Pass(tokens, sum, Math.max(1, Math.round(ms * 1_000_000)), toArray(finishing), toArray(starting));
    }

    /** The running pass ended; the caller starts the next one with {@link #startPass}. */
    public void passEnded() {
        busy = false;
        Arrays.fill(running, 0);
    }

    /**
     * Per unit, what a load poll reports: requests in the running pass, requests queued that have not
     * started, and the tokens queued beyond the running pass (SGLang's {@code num_reqs} less
     * {@code num_waiting_reqs}, {@code num_waiting_reqs}, {@code num_pending_tokens}).
     */
    public long[][] load() {
        long[] backlog = backlog();
        long[][] out = new long[shape.dpUnits()][];
        for (int d = 0; d < out.length; d++) {
            int waiting = 0;
            for (Item it : queues.get(d)) {
                if (it.done == 0) {
                    waiting++;
                }
            }
            // a prompt that began (a chunked one between its chunks) is no longer waiting
            out[d] = new long[] {busy ? running[d] : 0, waiting, backlog[d]};
        }
        return out;
    }

    /** Prompt tokens received per unit since the last call (EndForward's acknowledgement). */
    public long[] takeReceived() {
        long[] out = received.clone();
        Arrays.fill(received, 0);
        return out;
    }

    /** Requests queued per unit beyond the running pass (not yet finishing). */
    public int[] queuedRequests() {
        int[] out = new int[shape.dpUnits()];
        for (int d = 0; d < out.length; d++) {
            out[d] = queues.get(d).size();
        }
        return out;
    }

    /** Tokens queued per unit beyond the running pass ({@code Q_device}). */
    public long[] backlog() {
        long[] backlog = new long[shape.dpUnits()];
        for (int d = 0; d < backlog.length; d++) {
            for (Item it : queues.get(d)) {
                backlog[d] += it.remaining;
            }
        }
        return backlog;
    }

    /** The engine died: drops everything queued and returns those requests. */
    public long[] clear() {
        List<Long> lost = new ArrayList<>();
        for (ArrayDeque<Item> q : queues) {
            for (Item it : q) {
                lost.add(it.request);
            }
            q.clear();
        }
        busy = false;
        return toArray(lost);
    }

    private static long[] toArray(List<Long> list) {
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
