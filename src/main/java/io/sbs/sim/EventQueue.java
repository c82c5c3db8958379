package io.sbs.sim;

import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * The simulator's virtual clock and agenda. Events at the same instant run in the order they were
 * scheduled, which makes a run a pure function of its inputs and seed.
 */
public final class EventQueue {

    private record Entry(long time, long seq, Runnable action) {
    }

    private final PriorityQueue<Entry> agenda = new PriorityQueue<>(1024,
            (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;
    private long processed;

    /** Virtual time in nanoseconds. */
    public long now() {
        return now;
    }

    public long processed() {
        return processed;
    }

    /** Runs {@code action} at {@code time}; a time in the past runs at the current instant. */
    public void schedule(long time, Runnable action) {
        agenda.add(new Entry(Math.max(time, now), seq++, action));
    }

    /** Runs events in time order until the agenda is empty or the next one is after {@code until}. */
    public void runUntil(long until) {
        runUntil(until, () -> false);
    }

    /**
     * As {@link #runUntil(long)}, but asks {@code stop} every 1,024 events and returns false, the clock
     * where the last event left it, once it says yes: a caller's bound on the work (the simulator reads no
     * clock of its own). True when it ran to {@code until}.
     */
    public boolean runUntil(long until, BooleanSupplier stop) {
        while (!agenda.isEmpty() && agenda.peek().time <= until) {
            if ((processed & 1023) == 0 && stop.getAsBoolean()) {
                return false;
            }
            Entry e = agenda.poll();
            now = e.time;
            processed++;
            e.action.run();
        }
        now = Math.max(now, until == Long.MAX_VALUE ? now : until);
        return true;
    }

    public boolean isEmpty() {
        return agenda.isEmpty();
    }
}
