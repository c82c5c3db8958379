package io.sbs.control;

import io.sbs.core.SchedulingPolicy;
import java.util.List;

/**
 * The projection of a {@link PolicyPreview}: the current and the proposed policy side by side on the same
 * traffic, cluster and seed. Times in seconds.
 *
 * @param source           {@code recorded}, or the trace's name
 * @param requests         requests replayed
 * @param trafficSeconds   from the first to the last arrival of the replayed traffic (after the time scale)
 * @param offeredPerSecond requests per second the traffic offers over that span
 * @param timeScale        the replay's speed-up
 * @param seed             the simulated engines' seed
 * @param cluster          what was simulated
 * @param giveUpSeconds    a simulated request waiting this long without its first token stopped its
 *                         policy's run, marked saturated
 * @param currentVersion   version of the current policy in the store (0 before the first is stored)
 * @param current          the current policy's projection
 * @param proposed         the proposed policy's projection
 * @param wallSeconds      how long the preview took, both simulations included
 * @param notes            assumptions and caveats that apply to this result (empty when none)
 */
public record PreviewResult(String source, int requests, double trafficSeconds, double offeredPerSecond,
        double timeScale, long seed, SimulatedCluster cluster, double giveUpSeconds, long currentVersion,
        Projection current, Projection proposed, double wallSeconds, List<String> notes) {

    public PreviewResult {
        notes = List.copyOf(notes);
    }

    /**
     * The simulated prefill cluster: the live one's shape with the engine profile's timing.
     *
     * @param profile     engine profile whose pass-time model and latencies were used
     * @param instances   prefill instances
     * @param dpUnits     DP units per instance
     * @param chunkTokens {@code C_max} per DP unit
     */
    public record SimulatedCluster(String profile, int instances, int dpUnits, int chunkTokens) {
    }

    /**
     * One policy on the replayed traffic.
     *
     * @param ttftMeanSeconds       mean time to first token; requests still waiting at the stop count with
     *                              their wait so far, so it is a lower bound when {@code saturated}
     * @param requestsPerSecond     completed requests over {@code simulatedSeconds}
     * @param promptTokensPerSecond prompt tokens of completed requests over {@code simulatedSeconds}
     * @param chunkUtilization      mean over prefill passes of their tokens over the instance's chunk capacity
     * @param busyFraction          time the prefill instances spent in passes over their time available
     * @param completed             requests that got their first token
     * @param unfinished            requests without it when the simulation stopped
     * @param saturated             the policy could not keep up: a request waited longer than
     *                              {@code giveUpSeconds} and the simulation stopped there
     * @param simulatedSeconds      from the first arrival to the last first token (when saturated, how far
     *                              the simulation got)
     */
    public record Projection(SchedulingPolicy policy, double ttftMeanSeconds, double ttftP50Seconds,
            double ttftP99Seconds, double requestsPerSecond, double promptTokensPerSecond, double chunkUtilization,
            double busyFraction, int completed, int unfinished, boolean saturated, double simulatedSeconds) {
    }
}
