package io.sbs.core;

/**
 * EndForward for a prefill instance: a forward pass finished (paper section 4.1.2, fast path).
 *
 * <p>Arrays are indexed by DP rank and owned by the event.
 *
 * @param instanceId       the instance that finished the pass
 * @param endedAtNanos     when the pass ended, on the caller's clock (the receive time minus the
 *                         signal latency estimate in the live service; exact in the simulator)
 * @param durationNanos    how long the pass took; feeds {@code T̄_fwd}
 * @param passTokens       prompt tokens each unit processed in the pass (for chunk utilization)
 * @param receivedTokens   prompt tokens that reached each unit's queue since the last report
 *                         (acknowledges {@code T_inflight})
 * @param nextPassTokens   tokens each unit took into the pass that started at once; all zero when the
 *                         instance went idle
 * @param backlogTokens    tokens queued on each unit beyond that pass ({@code Q_device})
 */
public record ForwardEndedEvent(String instanceId, long endedAtNanos, long durationNanos, long[] passTokens,
        long[] receivedTokens, long[] nextPassTokens, long[] backlogTokens) {

    /** Whether the engine started another pass right after this one. */
    public boolean nextPassStarted() {
        for (long t : nextPassTokens) {
            if (t > 0) {
                return true;
            }
        }
        return false;
    }
}
