package io.sbs.core;

/**
 * Predicts how long a forward pass takes from its tokens: least squares on a sliding window of reported
 * passes, {@code duration ≈ a + b · max_d tokens_d + c · Σ_d tokens_d}.
 *
 * <p>Implementation notes. Why: a pass's time is set by its straggler unit plus work shared by the whole
 * instance (paper section 3.3; SPEC.md section 8), so a pass holding one long prompt lasts much longer
 * than the mean; predicting its end from {@code T̄_fwd} alone makes top-ups land too early (they wait on
 * the device) or too late (they miss the pass). The scheduler knows each running pass's tokens (from
 * EndForward, or from what it sent to an idle instance). Model: ordinary least squares over the last
 * {@code window} passes, sums kept incrementally (O(1) per sample) and the 3x3 normal equations solved
 * per prediction. Failure handling: with fewer than six samples, or a singular system (no spread in the
 * tokens), it falls back to the one-feature fit on the straggler, then to the window mean; predictions
 * are kept within [½, 2] times the window mean so one odd sample cannot derail the dispatch timing.
 * Not thread-safe; nanoseconds.
 */
public final class PassTimeModel {

    private final double[] maxes;
    private final double[] sums;
    private final double[] ys;
    private int next;
    private int count;
    // running sums of the features x1 = max, x2 = sum and the target y
    private double s1;
    private double s2;
    private double sy;
    private double s11;
    private double s12;
    private double s22;
    private double s1y;
    private double s2y;
    private double syy;
    private double[] fit;

    public PassTimeModel(int window) {
        int n = Math.max(1, window);
        maxes = new double[n];
        sums = new double[n];
        ys = new double[n];
    }

    public void record(long maxUnitTokens, long totalTokens, long reportedNanos) {
        if (reportedNanos <= 0) {
            return;
        }
        // the same bound as T̄_fwd's samples: one absurd report must not dominate the squares
        long durationNanos = Math.min(reportedNanos, IntervalEstimator.MAX_FORWARD_NANOS);
        if (count == ys.length) {
            add(maxes[next], sums[next], ys[next], -1);
        } else {
            count++;
        }
        maxes[next] = maxUnitTokens;
        sums[next] = totalTokens;
        ys[next] = durationNanos;
        add(maxUnitTokens, totalTokens, durationNanos, 1);
        next = (next + 1) % ys.length;
        fit = null;
    }

    private void add(double x1, double x2, double y, int sign) {
        s1 += sign * x1;
        s2 += sign * x2;
        sy += sign * y;
        s11 += sign * x1 * x1;
        s12 += sign * x1 * x2;
        s22 += sign * x2 * x2;
        s1y += sign * x1 * y;
        s2y += sign * x2 * y;
        syy += sign * y * y;
    }

    /**
     * Predicted duration of a pass whose most loaded unit holds {@code maxUnitTokens} of
     * {@code totalTokens}; {@code fallback} before any sample.
     */
    public long predict(long maxUnitTokens, long totalTokens, long fallback) {
        if (count == 0) {
            return fallback;
        }
        double mean = sy / count;
        double[] c = coefficients();
        double p = c[0] + c[1] * maxUnitTokens + c[2] * totalTokens;
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
        double[] c = coefficients();
        // SSE = Σy² - 2 β·X'y + β'X'Xβ, from the running sums
        double xty = c[0] * sy + c[1] * s1y + c[2] * s2y;
        double quad = c[0] * (c[0] * count + c[1] * s1 + c[2] * s2)
                + c[1] * (c[0] * s1 + c[1] * s11 + c[2] * s12)
                + c[2] * (c[0] * s2 + c[1] * s12 + c[2] * s22);
        double sse = syy - 2 * xty + quad;
        return Math.round(Math.sqrt(Math.max(0, sse) / Math.max(1, count - 3)));
    }

    /** {a, b, c}, solved once per new sample; degenerate cases fall back to fewer features. */
    private double[] coefficients() {
        if (fit == null) {
            fit = solve();
        }
        return fit;
    }

    private double[] solve() {
        double n = count;
        double mean = sy / n;
        if (count >= 6) {
            double[] beta = solve3(new double[][] {
                {n, s1, s2, sy},
                {s1, s11, s12, s1y},
                {s2, s12, s22, s2y}});
            if (beta != null) {
                return beta;
            }
        }
        double var = n * s11 - s1 * s1;
        if (count >= 4 && var > 1e-9 * Math.max(1, s11 * n)) {
            double b = (n * s1y - s1 * sy) / var;
            return new double[] {(sy - b * s1) / n, b, 0};
        }
        return new double[] {mean, 0, 0};
    }

    /** Gaussian elimination with partial pivoting on an augmented 3x4 matrix; null when singular. */
    private static double[] solve3(double[][] m) {
        for (int col = 0; col < 3; col++) {
            int pivot = col;
            for (int r = col + 1; r < 3; r++) {
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
            for (int r = 0; r < 3; r++) {
                if (r != col) {
                    double f = m[r][col] / m[col][col];
                    for (int k = col; k < 4; k++) {
                        m[r][k] -= f * m[col][k];
                    }
                }
            }
        }
        double[] beta = {m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]};
        for (double b : beta) {
            if (!Double.isFinite(b)) {
                return null;
            }
        }
        // A fit that runs time backwards on a feature is an artefact of too little spread.
        return beta[1] < 0 || beta[2] < 0 ? null : beta;
    }
}
