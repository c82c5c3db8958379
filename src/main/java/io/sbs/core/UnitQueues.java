package io.sbs.core;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link PassTracker}'s shadow of one prefill instance's device queues: per DP unit, the prompts the
 * dispatcher sent and the engine has not run yet, first come first served, with their remaining tokens and
 * when they reach the unit; the running pass's tokens per unit (its take); the tokens sent and known received
 * per unit (matched against an EndForward push); and, for requests no longer queued, the pass that finished
 * them. The tracker's rules decide when passes start and end; this class only answers what the queues hold
 * and applies what those rules decide. Not thread-safe; nanoseconds and tokens.
 */
final class UnitQueues {

    /** The request id of an engine-reported block whose requests the tracker cannot name. */
    static final long UNNAMED = Long.MIN_VALUE;
    /** Pass sequence recorded for requests whose end the tracker no longer follows (absorbed or forgotten). */
    static final long ABSORBED = -1;
    private static final int FINISHED_MEMORY = 4096;

    private final int units;
    private final long chunk;
    private final ArrayDeque<QueuedPrompt>[] queues;
    private final long[] queued;
    private final long[] take;
    private final long[] sent;
    private final long[] received;
    private final Map<Long, QueuedPrompt> live = new HashMap<>();
    private final LinkedHashMap<Long, Long> finished = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > FINISHED_MEMORY;
        }
    };
    private long lastArrival = Long.MIN_VALUE;

    @SuppressWarnings("unchecked")
    UnitQueues(int units, long chunk) {
        this.units = units;
        this.chunk = chunk;
        this.queues = new ArrayDeque[units];
        for (int d = 0; d < units; d++) {
            queues[d] = new ArrayDeque<>();
        }
        this.queued = new long[units];
        this.take = new long[units];
        this.sent = new long[units];
        this.received = new long[units];
    }

    int units() {
        return units;
    }

    long chunk() {
        return chunk;
    }

    /** The latest time any decision sent so far reaches the engine. */
    long lastArrival() {
        return lastArrival;
    }

    long take(int d) {
        return take[d];
    }

    void take(int d, long tokens) {
        take[d] = tokens;
    }

    /** Tokens of the running pass on its most loaded unit. */
    long takeMax() {
        long m = 0;
        for (long t : take) {
            m = Math.max(m, t);
        }
        return m;
    }

    long takeSum() {
        long s = 0;
        for (long t : take) {
            s += t;
        }
        return s;
    }

    /** Whether a request is on its way or queued, or tokens are queued on any unit. */
    boolean holdsWork() {
        return !live.isEmpty() || anyQueued();
    }

    private boolean anyQueued() {
        for (long q : queued) {
            if (q > 0) {
                return true;
            }
        }
        return false;
    }

    /** The queued item of a request the dispatcher sent, or null when it is not queued. */
    QueuedPrompt live(long requestId) {
        return live.get(requestId);
    }

    boolean isLive(long requestId) {
        return live.containsKey(requestId);
    }

    /** The pass sequence that finished a request no longer queued ({@link #ABSORBED}), or null. */
    Long finishedIn(long requestId) {
        return finished.get(requestId);
    }

    // ---- what the dispatcher did ----

    /** {@code tokens} for {@code unit} leave at {@code now}; returns when they reach it, in decision order. */
    long add(int unit, long requestId, int tokens, long now, long latency) {
        long arrivesAt = Math.max(lastArrival, now + Math.max(0, latency));
        lastArrival = arrivesAt;
        sent[unit] += tokens;
        QueuedPrompt it = new QueuedPrompt(requestId, unit, tokens, arrivesAt, sent[unit]);
        queues[unit].addLast(it);
        queued[unit] += tokens;
        live.put(requestId, it);
        return arrivesAt;
    }

    /** Takes back a request that was never sent, as if it had not been; null when it is not queued. */
    QueuedPrompt withdraw(long requestId) {
        QueuedPrompt it = live.remove(requestId);
        if (it == null) {
            return null;
        }
        boolean after = false;
        for (Iterator<QueuedPrompt> i = queues[it.unit].iterator(); i.hasNext();) {
            QueuedPrompt x = i.next();
            if (x == it) {
                i.remove();
                after = true;
            } else if (after) {
                x.offset -= it.remaining;
            }
        }
        queued[it.unit] -= it.remaining;
        sent[it.unit] -= it.remaining;
        return it;
    }

    /** Drops a request the engine dropped (it stays sent); null when it is not queued. */
    QueuedPrompt abandon(long requestId) {
        QueuedPrompt it = live.remove(requestId);
        if (it == null) {
            return null;
        }
        queues[it.unit].remove(it);
        queued[it.unit] -= it.remaining;
        finished.put(requestId, ABSORBED);
        return it;
    }

    // ---- what the engine ran ----

    /** The engine ran {@code tokens} of unit {@code d}'s queue, from its head, in pass {@code seq}. */
    void consume(int d, long tokens, long seq) {
        long left = tokens;
        ArrayDeque<QueuedPrompt> q = queues[d];
        while (left > 0 && !q.isEmpty()) {
            QueuedPrompt head = q.peekFirst();
            long c = Math.min(head.remaining, left);
            head.remaining -= c;
            queued[d] -= c;
            left -= c;
            if (head.remaining == 0) {
                q.pollFirst();
                if (head.requestId != UNNAMED) {
                    live.remove(head.requestId);
                    finished.put(head.requestId, seq);
                }
            }
        }
    }

    /** {@code it} and everything ahead of it on its unit are done, finished in pass {@code seq}. */
    void finishThrough(QueuedPrompt it, long seq) {
        ArrayDeque<QueuedPrompt> q = queues[it.unit];
        while (!q.isEmpty()) {
            QueuedPrompt x = q.pollFirst();
            queued[it.unit] -= x.remaining;
            if (x.requestId != UNNAMED) {
                live.remove(x.requestId);
                finished.put(x.requestId, seq);
            }
            if (x == it) {
                break;
            }
        }
    }

    /** An idle engine finished everything that reached it by {@code t}; returns nothing, the queues lose it. */
    void absorbArrivedBy(long t) {
        for (int d = 0; d < units; d++) {
            ArrayDeque<QueuedPrompt> q = queues[d];
            for (Iterator<QueuedPrompt> i = q.iterator(); i.hasNext();) {
                QueuedPrompt x = i.next();
                if (x.arrivesAt <= t) {
                    i.remove();
                    queued[d] -= x.remaining;
                    if (x.requestId != UNNAMED) {
                        live.remove(x.requestId);
                        finished.put(x.requestId, ABSORBED);
                    }
                }
            }
        }
    }

    /** Drops every queue (the watchdog fired); decisions not yet arrived by {@code now} count as arrived. */
    void forget(long now) {
        for (int d = 0; d < units; d++) {
            for (QueuedPrompt x : queues[d]) {
                if (x.requestId != UNNAMED) {
                    finished.put(x.requestId, ABSORBED);
                }
            }
            queues[d].clear();
            queued[d] = 0;
            take[d] = 0;
        }
        live.clear();
        lastArrival = Math.min(lastArrival, now);
    }

    /** Work the engine holds and the queues do not know: an unnamed block at the head of unit {@code d}. */
    void addUnnamedFirst(int d, long tokens, long arrivedAt) {
        queues[d].addFirst(new QueuedPrompt(UNNAMED, d, tokens, arrivedAt, 0));
        queued[d] += tokens;
    }

    /** Work the engine holds and the queues lost: an unnamed block behind unit {@code d}'s own. */
    void addUnnamedLast(int d, long tokens, long arrivedAt) {
        queues[d].addLast(new QueuedPrompt(UNNAMED, d, tokens, arrivedAt, sent[d]));
        queued[d] += tokens;
    }

    /**
     * An EndForward push's received count for unit {@code d}: with {@code ours} false the engine's tokens
     * came from another node, so all this node sent counts as received; else the reported tokens, at most
     * what this node sent. Queued items received by then arrived at {@code endedAt} at the latest, the rest
     * after it. Returns the tokens received and still queued.
     */
    long receive(int d, boolean ours, long[] receivedTokens, long endedAt) {
        if (!ours) {
            received[d] = sent[d];
        } else if (d < receivedTokens.length) {
            // beyond what this node sent, the engine received another sender's tokens (a predecessor's
            // last dispatches): counted, they would make this node's next ones look arrived too early
            received[d] = Math.min(sent[d], received[d] + Math.max(0, receivedTokens[d]));
        }
        long arrived = 0;
        for (QueuedPrompt x : queues[d]) {
            if (x.offset <= received[d]) {
                x.arrivesAt = Math.min(x.arrivesAt, endedAt);
                arrived += x.remaining;
            } else {
                x.arrivesAt = Math.max(x.arrivesAt, endedAt + 1);
            }
        }
        return arrived;
    }

    // ---- what the queues say ----

    /** A pass starting at {@code at} takes up to {@code C_max} of what each unit has by then; returns its tokens. */
    long takeArrived(long at) {
        long sum = 0;
        for (int d = 0; d < units; d++) {
            take[d] = Math.min(chunk, arrivedTokens(d, at));
            sum += take[d];
        }
        return sum;
    }

    /** Tokens queued on {@code unit} that arrived by {@code by}, counted up to the first chunk's worth. */
    long arrivedTokens(int unit, long by) {
        long sum = 0;
        for (QueuedPrompt x : queues[unit]) {
            if (x.arrivesAt > by) {
                break;
            }
            sum += x.remaining;
            if (sum >= chunk) {
                return sum;
            }
        }
        return sum;
    }

    long earliestArrival() {
        long first = Long.MAX_VALUE;
        for (ArrayDeque<QueuedPrompt> q : queues) {
            if (!q.isEmpty()) {
                first = Math.min(first, q.peekFirst().arrivesAt);
            }
        }
        return first;
    }

    boolean anyArrivedBy(long t) {
        for (ArrayDeque<QueuedPrompt> q : queues) {
            if (!q.isEmpty() && q.peekFirst().arrivesAt <= t) {
                return true;
            }
        }
        return false;
    }

    /** Publishes where each unit's tokens stand ({@link DpUnitState#track}). */
    void publish(List<DpUnitState> us, boolean running, boolean scheduled, long now) {
        for (int d = 0; d < units; d++) {
            long inPass = running ? take[d] : 0;
            long beyond = Math.max(0, queued[d] - inPass);
            long onTheirWay = 0;
            for (Iterator<QueuedPrompt> i = queues[d].descendingIterator(); i.hasNext() && onTheirWay < beyond;) {
                QueuedPrompt x = i.next();
                if (x.arrivesAt <= now) {
                    break;
                }
                onTheirWay += x.remaining;
            }
            onTheirWay = Math.min(onTheirWay, beyond);
            us.get(d).track(scheduled ? inPass : 0, onTheirWay, beyond - onTheirWay);
        }
    }

    Iterable<QueuedPrompt> queue(int d) {
        return queues[d];
    }
}
