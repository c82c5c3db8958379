package io.sbs.control;

import io.sbs.core.InferenceRequest;
import io.sbs.sim.WorkloadRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The requests the dispatcher accepted over a rolling window (10 minutes by default), kept so that the
 * {@link PolicyPreview} can replay them through the simulator. Thread-safe; bounded in entries and in
 * prefix block hashes, whatever the traffic.
 *
 * <p>Memory: the entries live in a ring of primitive arrays, not an object per request: 24 bytes each
 * (arrival {@code long}, prompt and output {@code int}, offset of its block hashes {@code long}), so the
 * default cap of 1,000,000 entries is 24 MB at most. Block hashes go to a second ring of {@code long}s
 * (8 bytes each, 4,194,304 by default, 32 MB at most); when it wraps, the oldest requests lose their
 * hashes and replay without cache hints rather than holding memory. Both rings start small and double up
 * to their caps, so a quiet dispatcher holds little.
 *
 * <p>Eviction: an entry leaves when it is older than the window, measured on {@code clock} (the dispatch
 * loop's, the same clock as the requests' arrival stamps), or when the entry cap is reached and a new one
 * comes ({@link #overflowed()} counts those, as the window then holds less than its span).
 */
public final class TrafficRecorder implements Consumer<InferenceRequest> {

    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);
    public static final int DEFAULT_MAX_REQUESTS = 1_000_000;
    public static final int DEFAULT_MAX_BLOCK_HASHES = 4_194_304;

    private static final int INITIAL = 1024;
    private static final long[] NO_HASHES = new long[0];

    private final long windowNanos;
    private final int maxRequests;
    private final int maxHashes;
    private final LongSupplier clock;

    // ring of entries: slot of the i-th oldest is (head + i) % arrivals.length
    private long[] arrivals = new long[INITIAL];
    private int[] prompts = new int[INITIAL];
    private int[] outputs = new int[INITIAL];
    /** Position of the entry's first block hash in the hash stream; its count runs to the next entry's. */
    private long[] hashFrom = new long[INITIAL];
    private int head;
    private int size;
    // ring of block hashes: stream position p sits at p % hashes.length while p >= hashesValidFrom
    private long[] hashes = new long[0];
    private long hashesWritten;
    /** Lowest stream position not yet overwritten; an entry starting below it has lost its hashes. */
    private long hashesValidFrom;
    private long overflowed;

    /**
     * @param window      how far back requests are kept
     * @param maxRequests cap on entries (24 bytes each)
     * @param maxHashes   cap on block hashes kept (8 bytes each); 0 keeps none
     * @param clock       nanoseconds on the clock the arrivals are stamped with
     */
    public TrafficRecorder(Duration window, int maxRequests, int maxHashes, LongSupplier clock) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("the preview window must be positive, was " + window);
        }
        if (maxRequests < 1 || maxHashes < 0) {
            throw new IllegalArgumentException("the preview needs max-requests >= 1 and max-block-hashes >= 0");
        }
        this.windowNanos = window.toNanos();
        this.maxRequests = maxRequests;
        this.maxHashes = maxHashes;
        this.clock = clock;
    }

    public TrafficRecorder(LongSupplier clock) {
        this(DEFAULT_WINDOW, DEFAULT_MAX_REQUESTS, DEFAULT_MAX_BLOCK_HASHES, clock);
    }

    /** Records an accepted request (the dispatch loop's {@code onSubmitted} listener). */
    @Override
    public void accept(InferenceRequest request) {
        record(request.arrivalNanos(), request.promptTokens(), request.outputTokens(), request.blockHashes());
    }

    /**
     * Records one request.
     *
     * @param outputTokens requested output ({@code max_tokens}); below 1 is kept as 1
     * @param blockHashes  prefix block hashes, possibly empty; copied
     */
    public synchronized void record(long arrivalNanos, int promptTokens, int outputTokens, long[] blockHashes) {
        evict(clock.getAsLong());
        if (size == maxRequests) {
            head = (head + 1) % arrivals.length;
            size--;
            overflowed++;
        } else if (size == arrivals.length) {
            grow();
        }
        int slot = (head + size) % arrivals.length;
        arrivals[slot] = arrivalNanos;
        prompts[slot] = Math.max(1, promptTokens);
        outputs[slot] = Math.max(1, outputTokens);
        hashFrom[slot] = hashesWritten;
        size++;
        // a request with more hashes than the whole ring keeps none, rather than a truncated prefix list
        if (blockHashes.length > 0 && blockHashes.length <= maxHashes) {
            ensureHashRoom(blockHashes.length);
            for (long h : blockHashes) {
                hashes[(int) (hashesWritten++ % hashes.length)] = h;
            }
            hashesValidFrom = Math.max(hashesValidFrom, hashesWritten - hashes.length);
        }
    }

    private void grow() {
        int n = (int) Math.min(maxRequests, 2L * arrivals.length);
        arrivals = unroll(arrivals, n);
        prompts = unroll(prompts, n);
        outputs = unroll(outputs, n);
        hashFrom = unroll(hashFrom, n);
        head = 0;
    }

    private long[] unroll(long[] ring, int capacity) {
        long[] out = new long[capacity];
        for (int i = 0; i < size; i++) {
            out[i] = ring[(head + i) % ring.length];
        }
        return out;
    }

    private int[] unroll(int[] ring, int capacity) {
        int[] out = new int[capacity];
        for (int i = 0; i < size; i++) {
            out[i] = ring[(head + i) % ring.length];
        }
        return out;
    }

    /** Grows the hash ring (keeping stream positions valid) until {@code more} fit or it is at its cap. */
    private void ensureHashRoom(int more) {
        long live = hashesWritten - (size > 1 ? hashFrom[head] : hashesWritten);
        if (hashes.length == maxHashes || live + more <= hashes.length) {
            return;
        }
        long want = Math.max(INITIAL, hashes.length);
        while (want < live + more && want < maxHashes) {
            want *= 2;
        }
        int n = (int) Math.min(maxHashes, want);
        long[] next = new long[n];
        hashesValidFrom = Math.max(hashesValidFrom, hashesWritten - n);
        for (long p = hashesValidFrom; p < hashesWritten; p++) {
            next[(int) (p % n)] = hashes[(int) (p % hashes.length)];
        }
        hashes = next;
    }

    private void evict(long now) {
        long oldest = now - windowNanos;
        // arrivals come in roughly in order (stamped at the ingress, recorded on the loop's thread): an entry a
        // little out of order leaves a little late, and snapshot() filters by the window exactly
        while (size > 0 && arrivals[head] < oldest) {
            head = (head + 1) % arrivals.length;
            size--;
        }
    }

    /** Requests in the window now. */
    public synchronized int size() {
        evict(clock.getAsLong());
        return size;
    }

    /** Requests dropped at the entry cap before they left the window, since start. */
    public synchronized long overflowed() {
        return overflowed;
    }

    public Duration window() {
        return Duration.ofNanos(windowNanos);
    }

    /**
     * The requests of the window as a workload, in arrival order, the first arriving at 0; empty when there
     * are none. The copy is taken under the lock with array copies only, so the loop's thread, which
     * records, waits for a few milliseconds at most; the objects are built after.
     */
    public List<WorkloadRequest> snapshot() {
        long now;
        long[] a;
        int[] p;
        int[] o;
        long[] from;
        long[] hashCopy;
        long written;
        long valid;
        int n;
        synchronized (this) {
            now = clock.getAsLong();
            evict(now);
            n = size;
            a = new long[n];
            p = new int[n];
            o = new int[n];
            from = new long[n];
            copy(arrivals, a);
            copy(prompts, p);
            copy(outputs, o);
            copy(hashFrom, from);
            hashCopy = hashes.clone();
            written = hashesWritten;
            valid = hashesValidFrom;
        }
        long oldest = now - windowNanos;
        Integer[] order = inArrivalOrder(a);
        List<WorkloadRequest> out = new ArrayList<>(n);
        long base = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            int i = order == null ? k : order[k];
            if (a[i] < oldest) {
                continue;
            }
            if (base == Long.MIN_VALUE) {
                base = a[i];
            }
            long to = i + 1 < n ? from[i + 1] : written;
            long[] blocks = NO_HASHES;
            if (to > from[i] && from[i] >= valid) {
                blocks = new long[(int) (to - from[i])];
                for (int b = 0; b < blocks.length; b++) {
                    blocks[b] = hashCopy[(int) ((from[i] + b) % hashCopy.length)];
                }
            }
            out.add(new WorkloadRequest(a[i] - base, p[i], o[i], blocks));
        }
        return out;
    }

    /** Indices of {@code a} by arrival; {@code null} when they already are (the common case). */
    private static Integer @Nullable [] inArrivalOrder(long[] a) {
        boolean sorted = true;
        for (int i = 1; i < a.length && sorted; i++) {
            sorted = a[i - 1] <= a[i];
        }
        if (sorted) {
            return null;
        }
        Integer[] order = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            order[i] = i;
        }
        // ingress threads stamp arrivals before the loop records them, so neighbours can be swapped
        Arrays.sort(order, (x, y) -> Long.compare(a[x], a[y]));
        return order;
    }

    private void copy(long[] ring, long[] out) {
        int first = Math.min(out.length, ring.length - head);
        System.arraycopy(ring, head, out, 0, first);
        System.arraycopy(ring, 0, out, first, out.length - first);
    }

    private void copy(int[] ring, int[] out) {
        int first = Math.min(out.length, ring.length - head);
        System.arraycopy(ring, head, out, 0, first);
        System.arraycopy(ring, 0, out, first, out.length - first);
    }
}
