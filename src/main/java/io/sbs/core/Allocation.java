package io.sbs.core;

import java.util.List;

/**
 * The result of one allocation: every input request is either in {@code placed} or in {@code pending},
 * never both, never neither. Pending requests keep their input order (carried-over first, FCFS).
 */
public record Allocation(List<Assignment> placed, List<InferenceRequest> pending) {

    public Allocation {
        placed = List.copyOf(placed);
        pending = List.copyOf(pending);
    }
}
