package io.sbs.core;

import java.util.List;

/**
 * When and where requests of one phase go: the seam between the caller's event loop (the simulator's
 * or the live service's) and the core. The caller reports arrivals, calls {@link #onTick} no later than
 * {@link #nextTickAt}, and sends every returned assignment to its engine; engine signals go to the
 * {@link ClusterState} directly. Every returned assignment has already been recorded in the cluster state.
 *
 * <p>Thread confinement: one thread, the same that feeds the cluster state. Times are nanoseconds on the
 * caller's clock.
 */
public interface PhaseDispatch {

    Phase phase();

    /** A request was accepted; returns what to send now (empty when the strategy buffers it). */
    List<Assignment> onArrival(InferenceRequest request, long now);

    /** Runs a dispatch cycle; returns what to send now. */
    List<Assignment> onTick(long now);

    /** When the caller must call {@link #onTick} next; always after {@code now}. */
    long nextTickAt(long now);

    /** Requests accepted and not yet assigned (the scheduler-side queue). */
    int buffered();

    /**
     * Forgets a buffered request whose client left, so it neither waits for capacity nor keeps flow control
     * on; returns whether it was buffered. A request already assigned is not affected.
     */
    boolean cancel(long requestId);

    /**
     * Gives up every buffered request, in arrival order, and forgets it: the caller hands them to the
     * strategy that replaces this one when the policy is switched at run time.
     */
    List<InferenceRequest> drain();

    /**
     * Whether flow control is on: some request failed allocation for {@code K} consecutive cycles, so new
     * admissions should be throttled (HTTP 429 with Retry-After in the live service).
     */
    boolean overloaded();
}
