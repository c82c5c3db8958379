package io.sbs.core;

import java.util.Objects;

/**
 * One data-parallel attention rank of an instance, the unit the allocators place requests on.
 *
 * @param instanceId the instance (engine process group) the rank belongs to
 * @param dpRank     the data-parallel rank inside the instance, from 0
 */
public record DpUnitId(String instanceId, int dpRank) implements Comparable<DpUnitId> {

    public DpUnitId {
        Objects.requireNonNull(instanceId, "instanceId");
        if (instanceId.isBlank()) {
            throw new IllegalArgumentException("instanceId must not be blank");
        }
        if (dpRank < 0) {
            throw new IllegalArgumentException("dpRank must be >= 0, was " + dpRank);
        }
    }

    @Override
    public int compareTo(DpUnitId o) {
        int c = instanceId.compareTo(o.instanceId);
        return c != 0 ? c : Integer.compare(dpRank, o.dpRank);
    }

    @Override
    public String toString() {
        return instanceId + "/" + dpRank;
    }
}
