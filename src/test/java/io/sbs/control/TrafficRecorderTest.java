package io.sbs.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.core.InferenceRequest;
import io.sbs.sim.WorkloadRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The recorder's window, caps and copy, on a controlled clock. */
class TrafficRecorderTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    private final AtomicLong clock = new AtomicLong(5_000 * S);

    private TrafficRecorder recorder(Duration window, int maxRequests, int maxHashes) {
        return new TrafficRecorder(window, maxRequests, maxHashes, clock::get);
    }

    @Test
    void snapshot_recordedRequests_inOrderFromZero_withLengthsAndHashes() {
        TrafficRecorder r = recorder(Duration.ofMinutes(10), 100, 100);
        long t0 = clock.get();
        r.accept(new InferenceRequest(1, 300, 16, t0, new long[] {7, 8}));
        r.accept(new InferenceRequest(2, 1200, 0, t0 + 40 * MS));

        List<WorkloadRequest> w = r.snapshot();

        assertThat(w).hasSize(2);
        assertThat(w.get(0).arrivalNanos()).isZero();
        assertThat(w.get(0).promptTokens()).isEqualTo(300);
        assertThat(w.get(0).outputTokens()).isEqualTo(16);
        assertThat(w.get(0).blockHashes()).containsExactly(7, 8);
        assertThat(w.get(1).arrivalNanos()).isEqualTo(40 * MS);
        // max_tokens 0 replays as one output token, the least a simulated request has
        assertThat(w.get(1).outputTokens()).isEqualTo(1);
        assertThat(w.get(1).blockHashes()).isEmpty();
    }

    @Test
    void snapshot_requestsOlderThanTheWindow_areGone() {
        TrafficRecorder r = recorder(Duration.ofSeconds(60), 100, 0);
        for (int i = 0; i < 10; i++) {
            r.record(clock.get(), 100 + i, 1, new long[0]);
            clock.addAndGet(10 * S);
        }
        // now 100 s after the first: the ones recorded at 0..30 s are older than 60 s
        List<WorkloadRequest> w = r.snapshot();

        assertThat(w).extracting(WorkloadRequest::promptTokens).containsExactly(104, 105, 106, 107, 108, 109);
        assertThat(w.get(0).arrivalNanos()).isZero();
        assertThat(r.size()).isEqualTo(6);
        clock.addAndGet(61 * S);
        assertThat(r.snapshot()).isEmpty();
        assertThat(r.overflowed()).isZero();
    }

    @Test
    void record_beyondTheCap_dropsTheOldest_andCountsThem() {
        TrafficRecorder r = recorder(Duration.ofHours(1), 5_000, 0);
        for (int i = 0; i < 12_345; i++) {
            r.record(clock.get() + i, 1 + i % 4000, 1, new long[0]);
        }

        assertThat(r.size()).isEqualTo(5_000);
        assertThat(r.overflowed()).isEqualTo(7_345);
        List<WorkloadRequest> w = r.snapshot();
        assertThat(w).hasSize(5_000);
        assertThat(w.get(0).promptTokens()).isEqualTo(1 + 7_345 % 4000);
        assertThat(w.get(4_999).promptTokens()).isEqualTo(1 + 12_344 % 4000);
    }

    @Test
    void snapshot_arrivalsRecordedOutOfOrder_comeOutSorted() {
        TrafficRecorder r = recorder(Duration.ofMinutes(1), 10, 10);
        long t = clock.get();
        r.record(t + 5 * MS, 2, 1, new long[] {2});
        r.record(t, 1, 1, new long[] {1});
        r.record(t + 9 * MS, 3, 1, new long[0]);

        List<WorkloadRequest> w = r.snapshot();

        assertThat(w).extracting(WorkloadRequest::promptTokens).containsExactly(1, 2, 3);
        assertThat(w).extracting(WorkloadRequest::arrivalNanos).containsExactly(0L, 5 * MS, 9 * MS);
        assertThat(w.get(0).blockHashes()).containsExactly(1);
        assertThat(w.get(1).blockHashes()).containsExactly(2);
    }

    @Test
    void record_hashRingFull_oldestRequestsLoseTheirHashesOnly() {
        TrafficRecorder r = recorder(Duration.ofMinutes(1), 10, 8);
        long t = clock.get();
        r.record(t, 10, 1, new long[] {1, 2, 3, 4});
        r.record(t + 1, 20, 1, new long[] {5, 6, 7, 8});
        r.record(t + 2, 30, 1, new long[] {9, 10, 11, 12});
        // more hashes than the whole ring: kept without any rather than with a truncated prefix
        r.record(t + 3, 40, 1, new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9});

        List<WorkloadRequest> w = r.snapshot();

        assertThat(w).extracting(WorkloadRequest::promptTokens).containsExactly(10, 20, 30, 40);
        assertThat(w.get(0).blockHashes()).isEmpty();
        assertThat(w.get(1).blockHashes()).containsExactly(5, 6, 7, 8);
        assertThat(w.get(2).blockHashes()).containsExactly(9, 10, 11, 12);
        assertThat(w.get(3).blockHashes()).isEmpty();
    }

    /** What a test compares of a replayed request. */
    private record Seen(long arrival, int prompt, List<Long> hashes) {

        static Seen of(WorkloadRequest w) {
            return new Seen(w.arrivalNanos(), w.promptTokens(), boxed(w.blockHashes()));
        }

        static List<Long> boxed(long[] hashes) {
            return Arrays.stream(hashes).boxed().toList();
        }
    }

    private static long[] randomHashes(SplittableRandom random, int most) {
        long[] hashes = new long[random.nextInt(most + 1)];
        for (int h = 0; h < hashes.length; h++) {
            hashes[h] = random.nextLong();
        }
        return hashes;
    }

    /** Random records, clock steps and snapshots against a plain list: growth, wrap-around and eviction. */
    @Test
    void randomOperations_matchAPlainModel() {
        record Entry(long at, int prompt, long[] hashes) {
        }
        TrafficRecorder r = recorder(Duration.ofSeconds(30), 3_000, 1 << 20);
        ArrayDeque<Entry> model = new ArrayDeque<>();
        SplittableRandom random = new SplittableRandom(3);
        long overflow = 0;
        int snapshots = 0;
        for (int step = 0; step < 40_000; step++) {
            int op = random.nextInt(100);
            long cutoff = clock.get() - 30 * S;
            while (!model.isEmpty() && model.peekFirst().at() < cutoff) {
                model.removeFirst();
            }
            if (op < 90) {
                Entry e = new Entry(clock.get(), 1 + random.nextInt(4096), randomHashes(random, 3));
                r.record(e.at(), e.prompt(), 1, e.hashes());
                if (model.size() == 3_000) {
                    model.removeFirst();
                    overflow++;
                }
                model.addLast(e);
            } else if (op < 99) {
                clock.addAndGet(random.nextLong(40 * MS));
            } else {
                long base = model.isEmpty() ? 0 : model.peekFirst().at();
                List<Seen> expected = model.stream()
                        .map(e -> new Seen(e.at() - base, e.prompt(), Seen.boxed(e.hashes()))).toList();
                assertThat(r.snapshot().stream().map(Seen::of).toList()).isEqualTo(expected);
                snapshots++;
            }
        }
        assertThat(snapshots).isGreaterThan(300);
        assertThat(r.overflowed()).isEqualTo(overflow).isPositive();
    }

    /**
     * A hash ring that grows (1,024, 2,048, 4,096, then its cap of 5,000) and wraps: a request replays with
     * exactly its own hashes or with none, never another's, and keeps them while they are among the last
     * 5,000 written.
     */
    @Test
    void randomHashes_growingAndWrappingRing_keepOwnHashesOrNone() {
        record Entry(long at, List<Long> hashes, long from) {
        }
        TrafficRecorder r = recorder(Duration.ofSeconds(20), 100_000, 5_000);
        ArrayDeque<Entry> model = new ArrayDeque<>();
        SplittableRandom random = new SplittableRandom(5);
        long written = 0;
        int dropped = 0;
        for (int step = 0; step < 30_000; step++) {
            if (random.nextInt(100) < 99) {
                long[] hashes = randomHashes(random, 24);
                model.addLast(new Entry(clock.get(), Seen.boxed(hashes), written));
                written += hashes.length;
                r.record(clock.get(), 1, 1, hashes);
                clock.addAndGet(random.nextLong(20 * MS));
                continue;
            }
            long cutoff = clock.get() - 20 * S;
            while (!model.isEmpty() && model.peekFirst().at() < cutoff) {
                model.removeFirst();
            }
            List<WorkloadRequest> w = r.snapshot();
            assertThat(w).hasSize(model.size());
            List<List<Long>> expected = new ArrayList<>();
            List<List<Long>> got = new ArrayList<>();
            int i = 0;
            for (Entry e : model) {
                List<Long> hashes = Seen.boxed(w.get(i++).blockHashes());
                boolean kept = written - e.from() <= 5_000;
                dropped += kept || hashes.equals(e.hashes()) ? 0 : 1;
                // kept ones must be exact; dropped ones may only be empty
                expected.add(kept || !hashes.isEmpty() ? e.hashes() : List.of());
                got.add(hashes);
            }
            assertThat(got).isEqualTo(expected);
        }
        assertThat(dropped).as("requests that lost their hashes to the ring's cap").isPositive();
    }

    @Test
    void concurrentRecordersAndReaders_loseNothingAndStayBounded() throws Exception {
        int threads = 4;
        int each = 50_000;
        TrafficRecorder r = recorder(Duration.ofHours(1), 120_000, 1_000);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        r.record(clock.get() + i, 1 + thread, 1, new long[] {thread, i});
                    }
                    return null;
                }));
            }
            Future<Integer> reader = pool.submit(() -> {
                go.await();
                int largest = 0;
                for (int k = 0; k < 20; k++) {
                    List<WorkloadRequest> w = r.snapshot();
                    for (int i = 1; i < w.size(); i++) {
                        assertThat(w.get(i).arrivalNanos()).isGreaterThanOrEqualTo(w.get(i - 1).arrivalNanos());
                    }
                    largest = Math.max(largest, w.size());
                }
                return largest;
            });
            go.countDown();
            for (Future<?> f : writers) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(reader.get(60, TimeUnit.SECONDS)).isLessThanOrEqualTo(120_000);
        } finally {
            pool.shutdownNow();
        }

        assertThat(r.size()).isEqualTo(120_000);
        assertThat(r.overflowed()).isEqualTo((long) threads * each - 120_000);
        List<WorkloadRequest> w = r.snapshot();
        assertThat(w).hasSize(120_000);
        // every request kept its own lengths and, when its hashes survived, its own hashes
        for (WorkloadRequest q : w) {
            if (q.blockHashes().length > 0) {
                assertThat(q.blockHashes()[0]).isEqualTo(q.promptTokens() - 1);
            }
        }
    }

    @Test
    void constructor_badLimits_areRefused() {
        assertThatThrownBy(() -> recorder(Duration.ZERO, 10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> recorder(Duration.ofMinutes(1), 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
