package io.sbs.core;

import java.util.List;

/**
 * Places one window of buffered prefill requests on DP units. Implementations are pure: they read the
 * units' state and return decisions without changing anything, so the caller decides when to apply them.
 */
public interface PrefillAllocator {

    /**
     * @param carriedOver requests that failed earlier cycles, in arrival order (FCFS)
     * @param fresh       requests new in this window, any order
     * @param units       the DP units open for the next pass (of ready instances), in a stable order
     * @return every request placed or pending; pending keeps carried-over requests first, in FCFS order
     */
    Allocation allocate(List<InferenceRequest> carriedOver, List<InferenceRequest> fresh, List<DpUnitState> units);
}
