package io.sbs.core;

/**
 * Predicts how long a forward pass takes from the tokens on its most loaded DP unit, by least squares on
 * a sliding window of reported passes: {@code duration ≈ a + b · max_d tokens_d}.
 *
 * <p>Implementation notes. Why: a pass's time is set by its straggler (paper section 3.3), so a pass
 * holding one long prompt lasts much longer than the mean; predicting its end from {@code T̄_fwd} alone
 * makes top-ups land too early (they wait on the device) or too late (they miss the pass). The scheduler
 * knows each running pass's tokens (from EndForward, or from what it sent to an idle instance). Model:
 * ordinary least squares over the last {@code window} (tokens, duration) pairs with running sums, O(1)
 * per sample. Failure handling: with fewer than four samples, or no spread in the tokens, it predicts the
 * window mean; predictions are kept within [½, 2] times the window mean so one odd sample cannot derail
 * the dispatch timing. Not thread-safe; nanoseconds.
 */
public final class PassTimeModel {

    private final double[] xs;
    private final double[] ys;
    private int next;
    private int count;
    private double sx;
    private double sy;
    private double sxx;
    private double sxy;
    private double syy;

    public PassTimeModel(int window) {
        xs = new double[Math.max(1, window)];
        ys = new double[Math.max(1, window)];
    }

    public void record(long maxUnitTokens, long durationNanos) {
        if (durationNanos <= 0) {
            return;
        }
        if (count == xs.length) {
            double ox = xs[next];
            double oy = ys[next];
            sx -= ox;
            sy -= oy;
            sxx -= ox * ox;
            sxy -= ox * oy;
            syy -= oy * oy;
        } else {
            count++;
        }
        double x = maxUnitTokens;
        double y = durationNanos;
        xs[next] = x;
        ys[next] = y;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
        next = (next + 1) % xs.length;
    }

    /**
     * Standard deviation of the prediction error over the window (residuals of the fit), in nanoseconds;
     * {@code fallback} with fewer than four samples.
     */
    public long residualStdNanos(long fallback) {
        if (count < 4) {
            return fallback;
        }
        double n = count;
        double var = n * sxx - sx * sx;
        double sse;
        if (var <= 1e-9 * Math.max(1, sxx * n)) {
            sse = syy - sy * sy / n;
        } else {
            double b = (n * sxy - sx * sy) / var;
            double a = (sy - b * sx) / n;
            sse = syy - a * sy - b * sxy;
        }
        return Math.round(Math.sqrt(Math.max(0, sse) / (n - 2)));
    }

    public boolean hasSamples() {
        return count > 0;
    }

    /** Predicted duration of a pass whose most loaded unit holds {@code maxUnitTokens}; {@code fallback} before any sample. */
    public long predict(long maxUnitTokens, long fallback) {
        if (count == 0) {
            return fallback;
        }
        double mean = sy / count;
        double var = count * sxx - sx * sx;
        if (count < 4 || var <= 1e-9 * Math.max(1, sxx * count)) {
            return Math.round(mean);
        }
        double b = (count * sxy - sx * sy) / var;
        double a = (sy - b * sx) / count;
        double p = a + b * maxUnitTokens;
        return Math.round(Math.max(0.5 * mean, Math.min(2 * mean, p)));
    }
}
