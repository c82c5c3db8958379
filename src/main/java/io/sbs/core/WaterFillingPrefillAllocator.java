package io.sbs.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Prioritized Batch Allocation (PBAA, paper section 4.2.2) with straggler-aware water filling.
 *
 * <p>Implementation notes. Model: capacity is the chunk-aware {@code C_avail} of each open unit; a prompt
 * costs {@code min(len, C_max)} of the pass it joins ({@link DpUnitState#passCost}). Order: carried-over
 * requests first in arrival order (starvation prevention, FCFS), then the fresh ones longest first; each
 * goes to the unit with the largest remaining capacity, ties to the earlier unit in the input order (when
 * units differ in {@code C_max} and the cost does not fit the widest, to the unit with the most room it
 * does fit). A
 * prompt goes only where its pass cost fits whole: a one-pass prompt then finishes in the pass it joins,
 * and a longer one starts with a full chunk on a unit with nothing queued, rather than in a sliver of room
 * where its remainder would fill the unit's next pass and push short prompts out. (In the saturation
 * fill, {@code splitAll}, any prompt may start in partial room: throughput first.)
 * Where the paper is silent: a carried-over request that fits nowhere does not block the ones behind it
 * (head-of-line blocking would idle capacity); it keeps its priority in the next window and counts
 * towards overload protection. Complexity: O((R + U) log U) for R requests on U units.
 */
public final class WaterFillingPrefillAllocator implements PrefillAllocator {

    private final boolean splitAll;

    /** The allocator of the paper: one-pass prompts are placed only where they fit whole. */
    public WaterFillingPrefillAllocator() {
        this(false);
    }

    /**
     * @param splitAll when true any prompt may start in partial room and finish in the unit's later
     *                 passes; used to fill what a saturated cycle leaves (see {@link StaggeredPrefillDispatch})
     */
    public WaterFillingPrefillAllocator(boolean splitAll) {
        this.splitAll = splitAll;
    }

    /** Longest prompt first; ties by arrival, then id, so the order is total and deterministic. */
    static final Comparator<InferenceRequest> LONGEST_FIRST = Comparator
            .comparingInt(InferenceRequest::promptTokens).reversed()
            .thenComparingLong(InferenceRequest::arrivalNanos)
            .thenComparingLong(InferenceRequest::id);

    @Override
    public Allocation allocate(List<InferenceRequest> carriedOver, List<InferenceRequest> fresh,
            List<DpUnitState> units) {
        long[] capacity = new long[units.size()];
        PriorityQueue<Integer> byCapacity = new PriorityQueue<>(Math.max(1, units.size()),
                (a, b) -> capacity[a] != capacity[b] ? Long.compare(capacity[b], capacity[a]) : Integer.compare(a, b));
        for (int i = 0; i < units.size(); i++) {
            capacity[i] = units.get(i).availableCapacity();
            if (capacity[i] > 0) {
                byCapacity.add(i);
            }
        }
        List<Assignment> placed = new ArrayList<>(carriedOver.size() + fresh.size());
        List<InferenceRequest> pending = new ArrayList<>();
        for (InferenceRequest r : carriedOver) {
            place(r, units, capacity, byCapacity, placed, pending, splitAll);
        }
        List<InferenceRequest> sorted = new ArrayList<>(fresh);
        sorted.sort(LONGEST_FIRST);
        for (InferenceRequest r : sorted) {
            place(r, units, capacity, byCapacity, placed, pending, splitAll);
        }
        return new Allocation(placed, pending);
    }

    /** The open unit with the most room among those the request's pass cost fits; -1 when none (O(U)). */
    private static int narrowerFit(InferenceRequest r, List<DpUnitState> units, long[] capacity,
            PriorityQueue<Integer> byCapacity) {
        int best = -1;
        for (int i : byCapacity) {
            if (units.get(i).passCost(r.promptTokens()) <= capacity[i]
                    && (best < 0 || capacity[i] > capacity[best] || (capacity[i] == capacity[best] && i < best))) {
                best = i;
            }
        }
        return best;
    }

    private static void place(InferenceRequest r, List<DpUnitState> units, long[] capacity,
            PriorityQueue<Integer> byCapacity, List<Assignment> placed, List<InferenceRequest> pending,
            boolean splitAll) {
        Integer best = byCapacity.peek();
        if (best == null) {
            pending.add(r);
            return;
        }
        DpUnitState unit = units.get(best);
        int cost = unit.passCost(r.promptTokens());
        if (cost > capacity[best]) {
            int narrower = splitAll ? -1 : narrowerFit(r, units, capacity, byCapacity);
            if (narrower >= 0) {
                // units with a smaller C_max charge a long prompt less: one of them may fit where the widest does not
                best = narrower;
                unit = units.get(best);
                cost = unit.passCost(r.promptTokens());
                byCapacity.remove(best);
            } else if (!splitAll) {
                pending.add(r);
                return;
            } else {
                // Saturated: the prompt starts in the room there is, as chunked prefill does.
                cost = (int) capacity[best];
                byCapacity.poll();
            }
        } else {
            byCapacity.poll();
        }
        capacity[best] -= cost;
        if (capacity[best] > 0) {
            byCapacity.add(best);
        }
        placed.add(new Assignment(r, unit.id()));
    }
}
