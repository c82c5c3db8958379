package io.sbs.core;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The decode acknowledgement ledger: requests sent to each decode DP unit and not yet seen in one of its
 * load reports, so that a polled decode load becomes a {@link DecodeStepEndedEvent} like the ones the
 * simulator's engines send.
 *
 * <p>Model: a polled decode instance reports its running batch and KV tokens per DP rank, but not which
 * requests joined since the last poll. A request counts as received once it was decided at least the
 * caller's {@code landedBefore} (the dispatch latency with its tail) before the sample; it then leaves the
 * in-flight account, so finished requests need no release of their own. Requests of one unit are
 * acknowledged in decision order.
 *
 * <p>Failure handling: a decision withdrawn before anything was sent ({@link #withdraw}) leaves the ledger
 * by identity, so a later report does not count it as landed; a removed instance's entries are dropped
 * ({@link #forget}).
 *
 * <p>Times are the caller's clock in nanoseconds; the ledger reads no clock. Not thread-safe: it lives on
 * the dispatch loop's thread, as {@link ClusterState} does. Each operation costs O(1) per entry it touches.
 */
public final class DecodeLedger {

    /** One request sent to a decode unit: the handle {@link #withdraw} takes back. */
    public static final class Sent {
        private final long decidedAtNanos;
        private final long kvTokens;

        private Sent(long decidedAtNanos, long kvTokens) {
            this.decidedAtNanos = decidedAtNanos;
            this.kvTokens = kvTokens;
        }

        public long decidedAtNanos() {
            return decidedAtNanos;
        }

        public long kvTokens() {
            return kvTokens;
        }
    }

    private final Map<DpUnitId, ArrayDeque<Sent>> unacknowledged = new HashMap<>();
    private final Map<String, Long> lastSample = new HashMap<>();

    /** Records a request of {@code kvTokens} tokens decided for {@code unit} at {@code decidedAtNanos}. */
    public Sent sent(DpUnitId unit, long decidedAtNanos, long kvTokens) {
        Sent s = new Sent(decidedAtNanos, kvTokens);
        unacknowledged.computeIfAbsent(unit, u -> new ArrayDeque<>()).addLast(s);
        return s;
    }

    /** Takes back a decision that was never sent (its client left); no effect if already acknowledged. */
    public void withdraw(DpUnitId unit, Sent sent) {
        ArrayDeque<Sent> queue = unacknowledged.get(unit);
        if (queue != null) {
            queue.remove(sent); // by identity: Sent has no equals of its own
        }
    }

    /**
     * A load report of {@code instanceId} sampled at {@code sampledAtNanos}: acknowledges, per DP rank, the
     * requests decided at or before {@code sampledAtNanos - landedWithinNanos}, and returns the decode step
     * report for the core. Its duration is the time since the instance's previous sample (1 ns for the
     * first, or when samples come out of order).
     *
     * @param batch    running requests per DP rank
     * @param kvTokens KV tokens per DP rank
     */
    public DecodeStepEndedEvent acknowledge(String instanceId, int[] batch, long[] kvTokens, long sampledAtNanos,
            long landedWithinNanos) {
        int[] received = new int[batch.length];
        long[] receivedKv = new long[batch.length];
        long landed = sampledAtNanos - landedWithinNanos;
        for (int d = 0; d < batch.length; d++) {
            ArrayDeque<Sent> queue = unacknowledged.get(new DpUnitId(instanceId, d));
            while (queue != null && !queue.isEmpty() && queue.peekFirst().decidedAtNanos <= landed) {
                received[d]++;
                receivedKv[d] += queue.pollFirst().kvTokens;
            }
        }
        Long last = lastSample.put(instanceId, sampledAtNanos);
        long duration = last == null || last >= sampledAtNanos ? 1 : sampledAtNanos - last;
        return new DecodeStepEndedEvent(instanceId, sampledAtNanos, duration, batch, kvTokens, received, receivedKv);
    }

    /** Requests sent to {@code unit} and not yet acknowledged. */
    public int unacknowledged(DpUnitId unit) {
        ArrayDeque<Sent> queue = unacknowledged.get(unit);
        return queue == null ? 0 : queue.size();
    }

    /** Drops everything about an instance of {@code dpUnits} ranks that left the cluster. */
    public void forget(String instanceId, int dpUnits) {
        for (int d = 0; d < dpUnits; d++) {
            unacknowledged.remove(new DpUnitId(instanceId, d));
        }
        lastSample.remove(instanceId);
    }
}
