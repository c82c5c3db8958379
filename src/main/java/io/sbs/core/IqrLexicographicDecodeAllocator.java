package io.sbs.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.DoubleSupplier;

/**
 * Decode placement by IQR mask, then lexicographic (or balanced) selection (paper sections 4.3.2 and 4.3.3).
 *
 * <p>Implementation notes. Model: each unit is the vector {@code (b_d, k_d)}. Mask: with {@code Q1},
 * {@code Q3} the quartiles of {@code k} over the units at the start of the window (linear interpolation
 * between order statistics), {@code θ = Q3 + κ (Q3 - Q1)}; a unit is masked for a request when taking it
 * would carry the unit past {@code θ} ({@code k_d + len > θ}: the paper masks units "at risk of memory
 * exhaustion or computational saturation", and a unit is at risk from the request it is about to take,
 * not only from what it holds; testing only the current {@code k_d} lets one long request turn a
 * median unit into the straggler; {@link MaskReading#LITERAL} tests {@code k_d > θ} only, for comparison)
 * or when the request's prompt plus output would not fit its KV memory. Order: requests
 * longest total first (length-based pre-sorting, "fill the valley" while the decision space is wide).
 * Choice ({@link Selection}): the unmasked unit minimizing {@code (b_d, k_d)} lexicographically (the
 * paper's), or {@code k_d / mean(k) + b_d / mean(b)} (means over the units at the start of the window, at
 * least 1), or {@code k_d + X · b_d} with {@code X} learned from step times ({@link DecodeStepCost}), ties
 * to the earlier unit; the unit's vector is updated before the next request. The step-cost key is SBS's
 * default: with batch first, KV enters only as a tie breaker and through the mask, and an immediate
 * least-KV balancer kept a narrower band and more throughput than the paper's order on the KV-bound
 * profile (docs/benchmarks.md, "Decode"); a step is paced by the straggler's {@code α k_d + β b_d}, and
 * no fixed weighting of the two wins on both step shapes measured, so the weight is learned (balanced
 * against the means until it is known). Where the
 * paper is silent: when {@code θ} masks every unit that still has memory, the mask is lifted for that
 * request (the IQR guards against outliers, it must not refuse work the cluster can hold), and the request
 * goes to the minimum, by the same key, of all units with memory; a request no unit has memory for stays
 * pending.
 * Complexity: the unmasked units sit in a heap ordered by the key, so a request costs O(log U) plus
 * the units it skips for lack of memory; O(U log U + R log R + R log U) in the common case, O(R * U)
 * when memory is tight everywhere.
 */
public final class IqrLexicographicDecodeAllocator implements DecodeAllocator {

    static final Comparator<InferenceRequest> LONGEST_TOTAL_FIRST = Comparator
            .comparingLong(InferenceRequest::totalTokens).reversed()
            .thenComparingLong(InferenceRequest::arrivalNanos)
            .thenComparingLong(InferenceRequest::id);

    /** How the mask reads {@code θ}: the benchmark reports both side by side. */
    public enum MaskReading {
        /** Masked when taking the request would carry the unit past {@code θ}: {@code k_d + len > θ}. */
        LOOK_AHEAD,
        /** Masked when the unit is already past {@code θ}: {@code k_d > θ}, SPEC.md section 3.4 read literally. */
        LITERAL
    }

    /** Which unmasked unit takes the request. */
    public enum Selection {
        /** The least {@code (b_d, k_d)}, batch first: paper section 4.3.3 as written. */
        LEXICOGRAPHIC,
        /** The least {@code k_d / mean(k) + b_d / mean(b)}: KV and batch weighed together. */
        BALANCED,
        /** The least {@code (k_d, b_d)}, KV first: what a least-KV balancer does, with the window and the mask. */
        KV_FIRST,
        /**
         * The least {@code k_d + X · b_d}, {@code X} learned from step times ({@link DecodeStepCost}): the
         * straggler's own cost; {@link #BALANCED} until {@code X} is known.
         */
        STEP_COST
    }

    private final double kappa;
    private final MaskReading reading;
    private final Selection selection;
    private final DoubleSupplier tokensPerRequest;

    /** The paper's algorithm as written, with the look-ahead mask. */
    public IqrLexicographicDecodeAllocator(double kappa) {
        this(kappa, MaskReading.LOOK_AHEAD, Selection.LEXICOGRAPHIC);
    }

    public IqrLexicographicDecodeAllocator(double kappa, MaskReading reading, Selection selection) {
        this(kappa, reading, selection, () -> Double.NaN);
    }

    /** @param tokensPerRequest {@code X} of {@link Selection#STEP_COST}, read once per window; NaN while unknown */
    public IqrLexicographicDecodeAllocator(double kappa, MaskReading reading, Selection selection,
            DoubleSupplier tokensPerRequest) {
        if (!(kappa >= 0)) {
            throw new IllegalArgumentException("kappa must be >= 0");
        }
        this.kappa = kappa;
        this.reading = reading;
        this.selection = selection;
        this.tokensPerRequest = tokensPerRequest;
    }

    @Override
    public Allocation allocate(List<InferenceRequest> window, List<DpUnitState> units) {
        int n = units.size();
        int[] b = new int[n];
        long[] k = new long[n];
        long[] capacity = new long[n];
        for (int i = 0; i < n; i++) {
            b[i] = units.get(i).batchSize();
            k[i] = units.get(i).kvTokens();
            capacity[i] = units.get(i).kvCapacity();
        }
        double theta = n == 0 ? 0 : threshold(k, kappa);
        Comparator<Integer> key = key(b, k);
        // unmasked units by key, then index: the choice is the first one with memory
        PriorityQueue<Integer> unmasked = new PriorityQueue<>(Math.max(1, n), key);
        List<Integer> masked = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (k[i] > theta) {
                masked.add(i);
            } else {
                unmasked.add(i);
            }
        }
        List<InferenceRequest> sorted = new ArrayList<>(window);
        sorted.sort(LONGEST_TOTAL_FIRST);
        List<Assignment> placed = new ArrayList<>(sorted.size());
        List<InferenceRequest> pending = new ArrayList<>();
        List<Integer> skipped = new ArrayList<>();
        for (InferenceRequest r : sorted) {
            long need = r.totalTokens();
            int best = -1;
            skipped.clear();
            while (!unmasked.isEmpty()) {
                int i = unmasked.poll();
                if (k[i] + need <= capacity[i] && (reading == MaskReading.LITERAL || k[i] + need <= theta)) {
                    best = i;
                    break;
                }
                skipped.add(i);
            }
            unmasked.addAll(skipped);
            boolean fromMasked = false;
            if (best < 0) {
                // θ masks every unit that still has memory: lift the mask for this request
                for (int i = 0; i < n; i++) {
                    if (k[i] + need <= capacity[i] && (best < 0 || key.compare(i, best) < 0)) {
                        best = i;
                    }
                }
                fromMasked = true;
            }
            if (best < 0) {
                pending.add(r);
                continue;
            }
            // the key changes: a unit must be out of the heap while its (b, k) moves
            boolean wasMasked = fromMasked && !unmasked.remove(best);
            b[best]++;
            k[best] += need;
            if (!wasMasked) {
                if (k[best] > theta) {
                    masked.add(best);
                } else {
                    unmasked.add(best);
                }
            }
            placed.add(new Assignment(r, units.get(best).id()));
        }
        return new Allocation(placed, pending);
    }

    /** Orders unit indexes by the selection key over the live arrays {@code b}, {@code k}, then by index. */
    private Comparator<Integer> key(int[] b, long[] k) {
        return switch (selection) {
            case LEXICOGRAPHIC -> DecodeKeys.batchFirst(b, k);
            case BALANCED -> DecodeKeys.balanced(b, k);
            case KV_FIRST -> DecodeKeys.kvFirst(b, k);
            case STEP_COST -> DecodeKeys.stepCost(b, k, tokensPerRequest.getAsDouble());
        };
    }

    /** {@code θ = Q3 + κ (Q3 - Q1)} of the values. */
    public static double threshold(long[] values, double kappa) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        double q1 = quantile(sorted, 0.25);
        double q3 = quantile(sorted, 0.75);
        return q3 + kappa * (q3 - q1);
    }

    /** Quantile of sorted values with linear interpolation between order statistics. */
    public static double quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
