package io.sbs.core;

/**
 * The passes a {@link PassTracker} ran back to back since the last observed pass boundary, their count and
 * summed features: a first token at the end of the chain measures all of them together, one duration sample
 * for {@code T̄_fwd} and the {@link PassTimeModel} at their mean tokens. A pass that finishes nothing (the
 * middle chunks of a long prompt) has no observed end of its own; sampling only single passes between two
 * first tokens would keep long passes out of the samples. The chain is broken ({@link #breakOff}) whenever the
 * passes since its start are not known, and restarts at the next observed boundary. Not thread-safe.
 */
final class PassChain {

    private long from = Long.MIN_VALUE;
    private int passes;
    private long max;
    private long sum;
    private double attention;

    /** An observed boundary at {@code at}: the chain starts again there. */
    void from(long at) {
        from = at;
        passes = 0;
        max = 0;
        sum = 0;
        attention = 0;
    }

    void breakOff() {
        from = Long.MIN_VALUE;
    }

    /** Whether the chain holds passes the estimate ended without an observation. */
    boolean hasPasses() {
        return passes > 0;
    }

    /** A pass of these features ended back to back with the chain's. */
    void add(long maxTokens, long totalTokens, double passAttention) {
        passes++;
        max += maxTokens;
        sum += totalTokens;
        attention += passAttention;
    }

    /** Whether an end observed at {@code endedAt} measures the chain: it is unbroken and began before. */
    boolean measuredBy(long endedAt) {
        return from != Long.MIN_VALUE && endedAt > from;
    }

    /** The chain's passes and a running one of these features, all ended at {@code endedAt}. */
    PassTracker.Boundary withRunning(long endedAt, long maxTokens, long totalTokens, double passAttention) {
        return new PassTracker.Boundary(endedAt - from, passes + 1, max + maxTokens, sum + totalTokens,
                attention + passAttention);
    }

    /** The chain's own passes ended at {@code endedAt}; unmeasured when it is broken, empty or began later. */
    PassTracker.Boundary endedAt(long endedAt) {
        return from != Long.MIN_VALUE && passes > 0 && endedAt > from
                ? new PassTracker.Boundary(endedAt - from, passes, max, sum, attention)
                : PassTracker.Boundary.UNMEASURED;
    }
}
