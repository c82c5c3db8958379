package io.sbs.control;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a shared-admission ticket ({@link SharedTicket}) stands on its way to a decision, and the legal
 * moves between the states, one method per transition (as resilience4j's circuit breaker lists its own).
 *
 * <pre>
 *   WAITING --submitLocally--> SUBMITTED --decide--> DECIDED --prefillDone--> PREFILL_DONE
 *      \______________________decide______________/
 * </pre>
 *
 * <p>A ticket waits for a leader's decision ({@code WAITING}); it may also be submitted to this node's own
 * loop, once ({@code SUBMITTED}: it leads, or decides alone in degraded mode). The first decision, from
 * a leader or from the loop, wins ({@code DECIDED}); any later one is a duplicate, handed back. The prefill's
 * end is reported once ({@code PREFILL_DONE}). Whether the call ended and which buffer entry the ticket
 * holds are facts about the call, not states of the decision, and are kept apart.
 */
enum TicketState {
    WAITING, SUBMITTED, DECIDED, PREFILL_DONE;

    /** Whether a decision was taken. */
    boolean decided() {
        return this == DECIDED || this == PREFILL_DONE;
    }

    /** WAITING to SUBMITTED: true for the one caller that may submit the request to this node's loop. */
    static boolean submitLocally(AtomicReference<TicketState> state) {
        return state.compareAndSet(WAITING, SUBMITTED);
    }

    /** WAITING or SUBMITTED to DECIDED: true for the first decision only. */
    static boolean decide(AtomicReference<TicketState> state) {
        while (true) {
            TicketState s = state.get();
            if (s.decided()) {
                return false;
            }
            if (state.compareAndSet(s, DECIDED)) {
                return true;
            }
        }
    }

    /** DECIDED to PREFILL_DONE: true for the one caller that reports the prefill's end. */
    static boolean prefillDone(AtomicReference<TicketState> state) {
        return state.compareAndSet(DECIDED, PREFILL_DONE);
    }
}
