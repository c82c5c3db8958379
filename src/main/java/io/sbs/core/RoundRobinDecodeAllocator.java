package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Decode baseline: round robin over the decode units, blind to load and memory, as a plain router does.
 * Keeps a cursor, so an instance must serve one dispatch loop.
 */
public final class RoundRobinDecodeAllocator implements DecodeAllocator {

    private long cursor;

    @Override
    public Allocation allocate(List<InferenceRequest> window, List<DpUnitState> units) {
        if (units.isEmpty()) {
            return new Allocation(List.of(), window);
        }
        List<Assignment> placed = new ArrayList<>(window.size());
        for (InferenceRequest r : window) {
            placed.add(new Assignment(r, units.get((int) (cursor++ % units.size())).id()));
        }
        return new Allocation(placed, List.of());
    }
}
