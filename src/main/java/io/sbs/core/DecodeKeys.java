package io.sbs.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The orders decode placements choose units by, over the live arrays {@code b} (batch) and {@code k} (KV
 * tokens) of a window, ties to the earlier unit; and the greedy placement the immediate KV-aware baselines
 * share. Package-private: the allocators are the public surface.
 */
final class DecodeKeys {

    private DecodeKeys() {
    }

    /** {@code k_d / mean(k) + b_d / mean(b)}, the means (at least 1) taken now, over the arrays as they are. */
    static Comparator<Integer> balanced(int[] b, long[] k) {
        double sumB = 0;
        double sumK = 0;
        for (int i = 0; i < b.length; i++) {
            sumB += b[i];
            sumK += k[i];
        }
        double scaleB = Math.max(1, sumB / Math.max(1, b.length));
        double scaleK = Math.max(1, sumK / Math.max(1, k.length));
        return (x, y) -> {
            int c = Double.compare(k[x] / scaleK + b[x] / scaleB, k[y] / scaleK + b[y] / scaleB);
            return c != 0 ? c : Integer.compare(x, y);
        };
    }

    /**
     * {@code k_d + X · b_d}, a unit's straggler cost in KV tokens with {@code X} from {@link DecodeStepCost};
     * {@link #balanced} while {@code X} is unknown (NaN).
     */
    static Comparator<Integer> stepCost(int[] b, long[] k, double tokensPerRequest) {
        if (!(tokensPerRequest >= 0)) {
            return balanced(b, k);
        }
        return (x, y) -> {
            int c = Double.compare(k[x] + tokensPerRequest * b[x], k[y] + tokensPerRequest * b[y]);
            return c != 0 ? c : Integer.compare(x, y);
        };
    }

    /** {@code (k_d, b_d)}: KV first. */
    static Comparator<Integer> kvFirst(int[] b, long[] k) {
        return (x, y) -> k[x] != k[y] ? Long.compare(k[x], k[y])
                : b[x] != b[y] ? Integer.compare(b[x], b[y]) : Integer.compare(x, y);
    }

    /** {@code (b_d, k_d)}: batch first, the paper's lexicographic order. */
    static Comparator<Integer> batchFirst(int[] b, long[] k) {
        return (x, y) -> b[x] != b[y] ? Integer.compare(b[x], b[y])
                : k[x] != k[y] ? Long.compare(k[x], k[y]) : Integer.compare(x, y);
    }

    /** Builds a unit order over a window's arrays. */
    @FunctionalInterface
    interface Key {
        Comparator<Integer> over(int[] b, long[] k);
    }

    /**
     * Places the window's requests in the order given, each on the least unit by {@code key} among those with
     * KV memory for its footprint, the unit's {@code (b, k)} updated before the next; a request no unit has
     * memory for stays pending. O(U) per request.
     */
    static Allocation greedy(List<InferenceRequest> window, List<DpUnitState> units, Key key) {
        int n = units.size();
        int[] b = new int[n];
        long[] k = new long[n];
        for (int i = 0; i < n; i++) {
            b[i] = units.get(i).batchSize();
            k[i] = units.get(i).kvTokens();
        }
        Comparator<Integer> order = key.over(b, k);
        List<Assignment> placed = new ArrayList<>(window.size());
        List<InferenceRequest> pending = new ArrayList<>();
        for (InferenceRequest r : window) {
            long need = r.totalTokens();
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (k[i] + need <= units.get(i).kvCapacity() && (best < 0 || order.compare(i, best) < 0)) {
                    best = i;
                }
            }
            if (best < 0) {
                pending.add(r);
                continue;
            }
            b[best]++;
            k[best] += need;
            placed.add(new Assignment(r, units.get(best).id()));
        }
        return new Allocation(placed, pending);
    }
}
