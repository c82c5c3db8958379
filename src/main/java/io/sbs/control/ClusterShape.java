package io.sbs.control;

import java.util.List;

/**
 * The prefill side of the live cluster, as the {@link PolicyPreview} rebuilds it in the simulator.
 *
 * @param prefill    the registered prefill instances
 * @param endForward whether they push EndForward (some push reached the live loop), or behave as stock
 *                   engines do; the replay gives its simulated engines the same signals
 */
public record ClusterShape(List<PrefillInstance> prefill, boolean endForward) {

    public ClusterShape {
        prefill = List.copyOf(prefill);
    }

    public ClusterShape(List<PrefillInstance> prefill) {
        this(prefill, false);
    }

    /**
     * @param dpUnits     DP units of the instance
     * @param chunkTokens {@code C_max} of each unit; 0 or less when unknown
     */
    public record PrefillInstance(String id, int dpUnits, int chunkTokens) {
    }
}
