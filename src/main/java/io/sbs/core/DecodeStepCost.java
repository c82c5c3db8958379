package io.sbs.core;

import java.util.Arrays;

/**
 * What one running request costs a decode step, in KV tokens: {@code X = β / α}, learned online from observed
 * step times, so that the decode key {@code k_d + X · b_d} is the straggler's own cost up to a constant.
 *
 * <p>Implementation notes. Model: a DP+EP decode step lasts {@code c + a · max_d(k_d + X · b_d)} (attention
 * over the straggler's KV at {@code α} per token, its batch at {@code β} per request; SPEC.md section 4 and
 * docs/simulator.md); {@code c} takes what does not depend on the straggler (launch, the shared experts).
 * Fit: a profile least squares over a geometric grid of {@code X} (0, then 25 to 25,600 tokens, factor √2):
 * for each {@code X} the regressor {@code m = max_d(k_d + X · b_d)} of every observation is accumulated in
 * the sums of a straight-line fit {@code t = c + a · m}, and the estimate is the {@code X} whose line leaves
 * the least squared residual, refined by a parabola through its neighbours in {@code log X}. The sums decay
 * by {@link #DECAY} per observation, so the estimate follows a change of model or of load (about 2,000
 * steps, a minute and a half at 45 ms). Where it comes from: a step time paired with the dispatcher's
 * view of the instance's units ({@code b}, {@code k}, in-flight included) at the time it learns of it; the
 * simulator takes it from the step's end, the live dispatcher from the gap between two tokens it relays
 * from one decode stream (one token per step). Until {@link #MIN_OBSERVATIONS} steps are seen, or while
 * no {@code X} gives a positive slope with a correlation of at least {@link #MIN_CORRELATION},
 * {@link #tokensPerRequest()} is NaN: the caller keeps its own key.
 * Complexity: O(G · U) per observation ({@code G} = 21 grid points), O(G) per query. Not thread-safe: the
 * dispatch loop's thread only.
 */
public final class DecodeStepCost {

    /** Weight of the past per observation. */
    static final double DECAY = 0.9995;
    /** Observations before an estimate is given. */
    static final int MIN_OBSERVATIONS = 200;

    /** Least correlation of step time and straggler cost for an estimate. */
    static final double MIN_CORRELATION = 0.2;

    private static final double[] GRID = grid();

    private final double[] n = new double[GRID.length];
    private final double[] sm = new double[GRID.length];
    private final double[] smm = new double[GRID.length];
    private final double[] st = new double[GRID.length];
    private final double[] stt = new double[GRID.length];
    private final double[] smt = new double[GRID.length];
    private long observations;

    private static double[] grid() {
        double[] g = new double[21];
        g[0] = 0;
        for (int i = 1; i < g.length; i++) {
            g[i] = 25 * Math.pow(Math.sqrt(2), i - 1);
        }
        return g;
    }

    /**
     * One step of {@code stepNanos} on an instance whose units held {@code batch} and {@code kvTokens} (same
     * length, one entry per DP unit); ignored when empty or not positive.
     */
    public void observe(long stepNanos, int[] batch, long[] kvTokens) {
        if (stepNanos <= 0 || batch.length == 0 || batch.length != kvTokens.length) {
            return;
        }
        double t = stepNanos / 1e6;
        observations++;
        for (int g = 0; g < GRID.length; g++) {
            double m = 0;
            for (int d = 0; d < batch.length; d++) {
                m = Math.max(m, kvTokens[d] + GRID[g] * batch[d]);
            }
            n[g] = n[g] * DECAY + 1;
            sm[g] = sm[g] * DECAY + m;
            smm[g] = smm[g] * DECAY + m * m;
            st[g] = st[g] * DECAY + t;
            stt[g] = stt[g] * DECAY + t * t;
            smt[g] = smt[g] * DECAY + m * t;
        }
    }

    /** Steps observed so far. */
    public long observations() {
        return observations;
    }

    /** {@code X}: KV tokens that cost a step as much as one running request; NaN while unknown. */
    public double tokensPerRequest() {
        if (observations < MIN_OBSERVATIONS) {
            return Double.NaN;
        }
        double[] residual = new double[GRID.length];
        Arrays.fill(residual, Double.POSITIVE_INFINITY);
        int best = -1;
        for (int g = 0; g < GRID.length; g++) {
            double mm = smm[g] - sm[g] * sm[g] / n[g];
            double mt = smt[g] - sm[g] * st[g] / n[g];
            double tt = stt[g] - st[g] * st[g] / n[g];
            // a line must explain the step times: a positive slope, correlated beyond round-off and noise
            if (mm <= 0 || mt <= 0 || tt <= 1e-9 * st[g] * st[g] / n[g] || mt / Math.sqrt(mm * tt) < MIN_CORRELATION) {
                continue;
            }
            residual[g] = tt - mt * mt / mm;
            if (best < 0 || residual[g] < residual[best]) {
                best = g;
            }
        }
        if (best < 0) {
            return Double.NaN;
        }
        if (best == 0 || best == GRID.length - 1 || !Double.isFinite(residual[best - 1])
                || !Double.isFinite(residual[best + 1])) {
            return GRID[best];
        }
        // the grid is uniform in log X from index 1: the vertex of the parabola through the three residuals
        double left = residual[best - 1];
        double mid = residual[best];
        double right = residual[best + 1];
        double curvature = left - 2 * mid + right;
        double shift = curvature > 0 ? 0.5 * (left - right) / curvature : 0;
        if (best == 1) {
            return GRID[best];
        }
        return GRID[best] * Math.pow(Math.sqrt(2), Math.max(-0.5, Math.min(0.5, shift)));
    }
}
