package io.sbs.core;

/**
 * What a {@link PassTracker}'s running pass holds, read off its {@link UnitQueues}: the take of each unit runs
 * from the head of its queue, so whether a request is in the pass, whether the pass finishes one the
 * dispatcher sent, and what waits behind it all follow from the queue order. Stateless; O(requests queued on
 * a unit) per unit.
 */
final class PassContents {

    private PassContents() {
    }

    /** The straggler attention of the running pass: per unit, each chunk after the prompt's done part. */
    static double attention(UnitQueues q) {
        double max = 0;
        for (int d = 0; d < q.units(); d++) {
            long left = q.take(d);
            double unit = 0;
            for (QueuedPrompt x : q.queue(d)) {
                if (left <= 0) {
                    break;
                }
                long c = Math.min(x.remaining, left);
                unit += PassTimeModel.attention(x.tokens - x.remaining, c);
                left -= c;
            }
            max = Math.max(max, unit);
        }
        return max;
    }

    /** Whether the running pass runs (a chunk of) {@code it}: less than its take is queued ahead of it. */
    static boolean runs(UnitQueues q, QueuedPrompt it) {
        long ahead = 0;
        for (QueuedPrompt x : q.queue(it.unit)) {
            if (x == it) {
                return ahead < q.take(it.unit);
            }
            ahead += x.remaining;
        }
        return false;
    }

    /** Whether the running pass runs the last chunk of a request the dispatcher sent (a completion will come). */
    static boolean finishesNamed(UnitQueues q) {
        for (int d = 0; d < q.units(); d++) {
            long left = q.take(d);
            for (QueuedPrompt x : q.queue(d)) {
                if (left <= 0) {
                    break;
                }
                if (x.remaining <= left && x.requestId != UnitQueues.UNNAMED) {
                    return true;
                }
                left -= x.remaining;
            }
        }
        return false;
    }

    /** Named requests on unit {@code d} that had arrived by {@code t} and are not in the running pass. */
    static int waitingAt(UnitQueues q, int d, long t) {
        long left = q.take(d);
        int waiting = 0;
        for (QueuedPrompt x : q.queue(d)) {
            if (x.arrivesAt > t) {
                break;
            }
            if (left > 0) {
                // in the running pass, entirely or its first chunk
                left -= x.remaining;
                continue;
            }
            if (x.requestId != UnitQueues.UNNAMED) {
                waiting++;
            }
        }
        return waiting;
    }

    /** Passes, the running one first, until the first request we sent is due to finish (its completion). */
    static int passesUntilFirstFinish(UnitQueues q) {
        int best = Integer.MAX_VALUE;
        long chunk = q.chunk();
        for (int d = 0; d < q.units(); d++) {
            long ahead = 0;
            for (QueuedPrompt x : q.queue(d)) {
                ahead += x.remaining;
                if (x.requestId != UnitQueues.UNNAMED) {
                    long after = ahead - q.take(d);
                    best = Math.min(best, after <= 0 ? 1 : 1 + (int) ((after + chunk - 1) / chunk));
                    break;
                }
            }
        }
        return best == Integer.MAX_VALUE ? 1 : best;
    }
}
