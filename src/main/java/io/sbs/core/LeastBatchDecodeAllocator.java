package io.sbs.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Decode baseline: each request to the unit with the smallest batch (running requests), ties to the
 * earlier unit. Like the least-request routers in use today it does not look at KV load or memory.
 */
public final class LeastBatchDecodeAllocator implements DecodeAllocator {

    @Override
    public Allocation allocate(List<InferenceRequest> window, List<DpUnitState> units) {
        if (units.isEmpty()) {
            return new Allocation(List.of(), window);
        }
        int[] b = new int[units.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = units.get(i).batchSize();
        }
        List<Assignment> placed = new ArrayList<>(window.size());
        for (InferenceRequest r : window) {
            int best = 0;
            for (int i = 1; i < b.length; i++) {
                if (b[i] < b[best]) {
                    best = i;
                }
            }
            b[best]++;
            placed.add(new Assignment(r, units.get(best).id()));
        }
        return new Allocation(placed, List.of());
    }
}
