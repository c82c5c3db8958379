package io.sbs.core;

import java.util.List;

/**
 * Places decode requests on decode DP units. Pure with respect to the units (it may keep its own cursor,
 * as round robin does); the caller applies the decisions.
 */
public interface DecodeAllocator {

    /**
     * @param window the requests to place now, any order
     * @param units  the decode DP units of healthy instances, in a stable order
     * @return every request placed or pending (pending only when no unit can take it)
     */
    Allocation allocate(List<InferenceRequest> window, List<DpUnitState> units);
}
