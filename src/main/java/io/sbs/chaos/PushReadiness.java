package io.sbs.chaos;

import org.jspecify.annotations.Nullable;

/**
 * How soon after a takeover the new leader's loop runs on EndForward pushes again: the first answer of its
 * {@code /actuator/prometheus}, polled every {@value #POLL_MS} ms, in which
 * {@code sbs_readiness_decisions_total{source="push"}} (pass boundaries established by a push; each push
 * also feeds {@code T̄_fwd}) rose above what the node counted while it stood by. Timed at the answer, as
 * {@link Takeover} is, so it is never reported shorter than it was.
 */
final class PushReadiness {

    static final String METER = "sbs_readiness_decisions_total";
    static final String PUSH = "source=\"push\"";
    static final long POLL_MS = 10;
    /** Pushes the leader's loop took, pushed to it or relayed: each fed {@code T̄_fwd}. */
    static final String APPLIED = "sbs_end_forward_applied_total";

    private PushReadiness() {
    }

    /** The push boundaries {@code node} counted so far (0 when it has none yet); null when it does not answer. */
    static @Nullable Double count(DispatcherNode node) {
        String text = node.prometheus();
        if (text == null) {
            return null;
        }
        Double n = Prometheus.sum(text, METER, PUSH);
        return n == null ? 0.0 : n;
    }

    /** The pushes {@code node}'s loop took so far (0 when none yet); null when it does not answer. */
    static @Nullable Double applied(DispatcherNode node) {
        String text = node.prometheus();
        if (text == null) {
            return null;
        }
        Double n = Prometheus.sum(text, APPLIED);
        return n == null ? 0.0 : n;
    }

    /** The pushes {@code node}'s loop took as relayed by a standby; null when it does not answer. */
    static @Nullable Double relayed(DispatcherNode node) {
        String text = node.prometheus();
        if (text == null) {
            return null;
        }
        Double n = Prometheus.sum(text, APPLIED, "path=\"relayed\"");
        return n == null ? 0.0 : n;
    }

    /**
     * Milliseconds from {@code takeoverNanos} until {@code node}'s loop took more pushes than
     * {@code baseline} ({@link #applied}); null when that did not happen before {@code deadlineNanos}.
     */
    static @Nullable Double appliedAfterMs(DispatcherNode node, long takeoverNanos, double baseline,
            long deadlineNanos) throws InterruptedException {
        while (System.nanoTime() - deadlineNanos < 0) {
            long next = System.nanoTime() + POLL_MS * 1_000_000;
            Double now = applied(node);
            if (now != null && now > baseline) {
                return Tally.ms(System.nanoTime() - takeoverNanos);
            }
            Wait.untilNanos(next);
        }
        return null;
    }

    /**
     * Milliseconds from {@code takeoverNanos} until {@code node} counts more push boundaries than
     * {@code baseline}; null when that did not happen before {@code deadlineNanos}.
     */
    static @Nullable Double afterMs(DispatcherNode node, long takeoverNanos, double baseline, long deadlineNanos)
            throws InterruptedException {
        while (System.nanoTime() - deadlineNanos < 0) {
            long next = System.nanoTime() + POLL_MS * 1_000_000;
            Double now = count(node);
            if (now != null && now > baseline) {
                return Tally.ms(System.nanoTime() - takeoverNanos);
            }
            Wait.untilNanos(next);
        }
        return null;
    }
}
