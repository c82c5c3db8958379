package io.sbs.control;

import java.util.List;

/**
 * The prefill side of the live cluster, as the {@link PolicyPreview} rebuilds it in the simulator.
 *
 * @param prefill the registered prefill instances
 */
public record ClusterShape(List<PrefillInstance> prefill) {

    public ClusterShape {
        prefill = List.copyOf(prefill);
    }

    /**
     * @param dpUnits     DP units of the instance
     * @param chunkTokens {@code C_max} of each unit; 0 or less when unknown
     */
    public record PrefillInstance(String id, int dpUnits, int chunkTokens) {
    }
}
