package io.sbs.core;

/**
 * Predicts how long a forward pass takes from its tokens: least squares on a sliding window of measured
 * passes, {@code duration ≈ a + b · max_d tokens_d + c · Σ_d tokens_d + e · max_d attention_d}, where
 * {@code attention_d = Σ chunk · (done + chunk)} over the prompts unit {@code d} runs in the pass, in
 * millions of tokens squared (each chunk attends to the prompt's tokens before it and to itself).
 *
 * <p>Implementation notes. Why: a pass's time is set by its straggler unit plus work shared by the whole
 * instance (paper section 3.3; SPEC.md section 8), and with long contexts the straggler's attention grows
 * with the square of the context (DistServe's and Vidur's prefill model), so a pass holding one long
 * prompt lasts much longer than the mean; predicting its end from {@code T̄_fwd} alone makes top-ups
 * land too early (they wait on the device) or too late (they miss the pass). The scheduler knows each
 * running pass's tokens (from EndForward, or from what it sent and its own estimate of the passes).
 * Model: ordinary least squares over the last {@code window} passes, the normal equations rebuilt from
 * the window and solved once per new sample (O(window) then, O(1) per prediction). Failure handling: a
 * feature without spread in the window (no attention term in a short-prompt workload) is left out, as is
 * one whose fitted coefficient comes out negative (a fit that runs time backwards on a feature is an
 * artefact of too little spread); with fewer than six samples it falls back to the one-feature fit on the
 * straggler, then to the window mean; predictions are kept within [½, 2] times the window mean so one odd
 * sample cannot derail the dispatch timing. Not thread-safe; nanoseconds.
 */
public final class PassTimeModel {

    private static final int FEATURES = 3;

    private final double[][] xs;
    private final double[] ys;
    private int next;
    private int count;
    private double sumY;
    /** {intercept, coefficients of the FEATURES}, zero for features left out; null until solved. */
    private double[] fit;
    private double residualStd = -1;

    public PassTimeModel(int window) {
        int n = Math.max(1, window);
        xs = new double[n][FEATURES];
        ys = new double[n];
    }

    public void record(long maxUnitTokens, long totalTokens, long durationNanos) {
        record(maxUnitTokens, totalTokens, 0, durationNanos);
    }

    /** A measured pass; {@code attention} as {@link #attention} computes it. */
    public void record(long maxUnitTokens, long totalTokens, double attention, long reportedNanos) {
        if (reportedNanos <= 0) {
            return;
        }
        // the same bound as T̄_fwd's samples: one absurd report must not dominate the squares
        long durationNanos = Math.min(reportedNanos, IntervalEstimator.MAX_FORWARD_NANOS);
        if (count == ys.length) {
            sumY -= ys[next];
        } else {
            count++;
        }
        xs[next][0] = maxUnitTokens;
        xs[next][1] = totalTokens;
        xs[next][2] = attention;
        ys[next] = durationNanos;
        sumY += durationNanos;
        next = (next + 1) % ys.length;
        fit = null;
    }

    /** The attention feature of one chunk of {@code chunk} tokens after {@code done} of its prompt, in MTok². */
    public static double attention(long done, long chunk) {
        return chunk * (double) (done + chunk) / 1e6;
    }

    public long predict(long maxUnitTokens, long totalTokens, long fallback) {
        return predict(maxUnitTokens, totalTokens, 0, fallback);
    }

    /**
     * Predicted duration of a pass whose most loaded unit holds {@code maxUnitTokens} of
     * {@code totalTokens}, with straggler attention {@code attention}; {@code fallback} before any sample.
     */
    public long predict(long maxUnitTokens, long totalTokens, double attention, long fallback) {
        if (count == 0) {
            return fallback;
        }
        double mean = sumY / count;
        double[] c = coefficients();
        double p = c[0] + c[1] * maxUnitTokens + c[2] * totalTokens + c[3] * attention;
        return Math.round(Math.max(0.5 * mean, Math.min(2 * mean, p)));
    }

    /**
     * Standard deviation of the prediction error over the window (residuals of the fit), in nanoseconds;
     * {@code fallback} with fewer than six samples.
     */
    public long residualStdNanos(long fallback) {
        if (count < 6) {
            return fallback;
        }
        coefficients();
        return Math.round(residualStd);
    }

    private double[] coefficients() {
        if (fit == null) {
            fit = solve();
            double sse = 0;
            for (int i = 0; i < count; i++) {
                double e = ys[i] - (fit[0] + fit[1] * xs[i][0] + fit[2] * xs[i][1] + fit[3] * xs[i][2]);
                sse += e * e;
            }
            int params = 1;
            for (int f = 1; f <= FEATURES; f++) {
                params += fit[f] != 0 ? 1 : 0;
            }
            residualStd = Math.sqrt(sse / Math.max(1, count - params));
        }
        return fit;
    }

    private double[] solve() {
        double mean = sumY / count;
        if (count >= 6) {
            boolean[] use = new boolean[FEATURES];
            for (int f = 0; f < FEATURES; f++) {
                use[f] = spread(f);
            }
            for (int attempt = 0; attempt <= FEATURES; attempt++) {
                double[] beta = leastSquares(use);
                if (beta == null) {
                    // singular: drop the last feature still in use and try again
                    if (!dropLast(use)) {
                        break;
                    }
                    continue;
                }
                int negative = -1;
                for (int f = 0; f < FEATURES; f++) {
                    if (use[f] && beta[f + 1] < 0) {
                        negative = f;
                    }
                }
                if (negative < 0) {
                    return beta;
                }
                use[negative] = false;
            }
        }
        if (count >= 4 && spread(0)) {
            double[] beta = leastSquares(new boolean[] {true, false, false});
            if (beta != null && beta[1] >= 0) {
                return beta;
            }
        }
        return new double[] {mean, 0, 0, 0};
    }

    private boolean spread(int f) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            lo = Math.min(lo, xs[i][f]);
            hi = Math.max(hi, xs[i][f]);
        }
        return hi - lo > 1e-9 * Math.max(1, Math.abs(hi));
    }

    private static boolean dropLast(boolean[] use) {
        for (int f = use.length - 1; f >= 0; f--) {
            if (use[f]) {
                use[f] = false;
                return true;
            }
        }
        return false;
    }

    /** OLS on the intercept and the features in use; {intercept, b1, b2, b3} with zeros left out; null when singular. */
    private double[] leastSquares(boolean[] use) {
        int[] cols = new int[FEATURES];
        int k = 0;
        for (int f = 0; f < FEATURES; f++) {
            if (use[f]) {
                cols[k++] = f;
            }
        }
        int n = k + 1;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < count; i++) {
            double[] row = new double[n];
            row[0] = 1;
            for (int j = 0; j < k; j++) {
                row[j + 1] = xs[i][cols[j]];
            }
            for (int a = 0; a < n; a++) {
                for (int b = 0; b < n; b++) {
                    m[a][b] += row[a] * row[b];
                }
                m[a][n] += row[a] * ys[i];
            }
        }
        double[] solved = gauss(m);
        if (solved == null) {
            return null;
        }
        double[] beta = new double[FEATURES + 1];
        beta[0] = solved[0];
        for (int j = 0; j < k; j++) {
            beta[cols[j] + 1] = solved[j + 1];
        }
        return beta;
    }

    /** Gaussian elimination with partial pivoting on an augmented n x (n+1) matrix; null when singular. */
    private static double[] gauss(double[][] m) {
        int n = m.length;
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            if (Math.abs(m[pivot][col]) < 1e-12 * Math.max(1, Math.abs(m[0][0]))) {
                return null;
            }
            double[] t = m[col];
            m[col] = m[pivot];
            m[pivot] = t;
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double f = m[r][col] / m[col][col];
                    for (int c = col; c <= n; c++) {
                        m[r][c] -= f * m[col][c];
                    }
                }
            }
        }
        double[] beta = new double[n];
        for (int i = 0; i < n; i++) {
            beta[i] = m[i][n] / m[i][i];
            if (!Double.isFinite(beta[i])) {
                return null;
            }
        }
        return beta;
    }
}
