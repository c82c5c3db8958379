package io.sbs.sim.workload;

/**
 * The standard normal distribution in log space, enough for truncated log-normals: tail probabilities of
 * any size without underflow, and the inverse CDF of a log-probability.
 *
 * <p>{@code erfc} is the Chebyshev fit of Numerical Recipes ({@code erfcc}, fractional error below
 * 1.2e-7 everywhere), whose form {@code t·exp(-z² + poly(t))} gives its logarithm directly; the inverse
 * is Acklam's rational approximation (relative error below 1.2e-9), whose tail branch takes
 * {@code ln p} as input. Both are far more precise than the 2% the workloads need.
 */
final class Normal {

    private static final double SQRT2 = Math.sqrt(2);
    private static final double LN_HALF = Math.log(0.5);
    private static final double P_LOW = 0.02425;
    private static final double LN_P_LOW = Math.log(P_LOW);
    private static final double[] A = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    private static final double[] B = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01};
    private static final double[] C = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    private static final double[] D = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
        3.754408661907416e+00};

    private Normal() {
    }

    /** {@code ln P(Z > x)}. */
    static double logUpperTail(double x) {
        double z = Math.abs(x) / SQRT2;
        double t = 1 / (1 + 0.5 * z);
        double lnErfc = Math.log(t) - z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
                + t * 0.17087277))))))));
        return x >= 0 ? LN_HALF + lnErfc : Math.log1p(-0.5 * Math.exp(lnErfc));
    }

    /** {@code ln P(Z < x)}. */
    static double logCdf(double x) {
        return logUpperTail(-x);
    }

    /** {@code ln P(x < Z < y)} for {@code x < y}, computed on the side of the tail the interval lies in. */
    static double logProbability(double x, double y) {
        if (x >= 0) {
            double lx = logUpperTail(x);
            return lx + log1mExp(logUpperTail(y) - lx);
        }
        if (y <= 0) {
            double ly = logCdf(y);
            return ly + log1mExp(logCdf(x) - ly);
        }
        return Math.log1p(-(Math.exp(logCdf(x)) + Math.exp(logUpperTail(y))));
    }

    /** {@code ln(1 - e^d)} for {@code d <= 0}, accurate at both ends (Mächler's switch at ln 2). */
    static double log1mExp(double d) {
        return d > -0.6931471805599453 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d));
    }

    /** The {@code z} with {@code ln Φ(z) = lnP}; {@code lnP <= 0}, {@code -∞} gives {@code -∞}. */
    static double inverseCdfOfLog(double lnP) {
        if (lnP == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        if (lnP < LN_P_LOW) {
            return tail(Math.sqrt(-2 * lnP));
        }
        double p = Math.exp(lnP);
        if (p > 1 - P_LOW) {
            return -tail(Math.sqrt(-2 * Math.log1p(-p)));
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
                / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
    }

    private static double tail(double q) {
        if (q == Double.POSITIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
                / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
}
