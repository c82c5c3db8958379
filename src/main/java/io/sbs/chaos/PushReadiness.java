package io.sbs.chaos;

import io.sbs.tools.Prometheus;
import io.sbs.tools.Wait;
import org.jspecify.annotations.Nullable;

/**
 * How soon after a takeover the new leader runs on EndForward pushes, in two figures, both from its
 * {@code /actuator/prometheus} polled every {@value #POLL_MS} ms and timed at the answer, as {@link Takeover}
 * is, so neither is reported shorter than it was:
 * <ul>
 *   <li>its pass model: {@code sbs_forward_from_pushes{phase="prefill"}} is 1, its {@code T̄_fwd} comes from
 *       pushes. A hot standby's does before the kill already (it learns from the pushes it relays, and a
 *       standby's prefill window takes samples from nothing else), and then its loop starts on it: 0 ms.</li>
 *   <li>a fresh push: {@code sbs_end_forward_applied_total} of the paths a leader takes ({@code direct},
 *       {@code relayed}) rose above what the node counted before the kill.</li>
 * </ul>
 */
final class PushReadiness {

    static final long POLL_MS = 10;
    /** Pushes a node's loop took, by path. */
    static final String APPLIED = "sbs_end_forward_applied_total";
    /** The family of {@link #APPLIED}: what the endpoint's {@code includedNames} matches, without {@code _total}. */
    private static final String APPLIED_FAMILY = "sbs_end_forward_applied";
    /** 1 while the node's prefill {@code T̄_fwd} comes from pushes. */
    static final String FROM_PUSHES = "sbs_forward_from_pushes";

    /**
     * What the poll saw, in milliseconds after the takeover; a figure is null when it did not happen before
     * the deadline.
     *
     * @param firstPollMs how long the node took to answer the first poll: the floor of any figure but a warm
     *                    pass model's 0, since each is timed at an answer
     */
    record AfterTakeover(@Nullable Double passModelMs, @Nullable Double appliedMs, @Nullable Double firstPollMs) {
    }

    private PushReadiness() {
    }

    /** The pushes {@code node}'s loop took as leader so far (0 when none yet); null when it does not answer. */
    static @Nullable Double applied(DispatcherNode node) {
        String text = node.prometheus(APPLIED_FAMILY);
        return text == null ? null : appliedAsLeader(text);
    }

    private static double appliedAsLeader(String text) {
        Double direct = Prometheus.sum(text, APPLIED, "path=\"direct\"");
        Double relayed = Prometheus.sum(text, APPLIED, "path=\"relayed\"");
        return (direct == null ? 0 : direct) + (relayed == null ? 0 : relayed);
    }

    /** Whether {@code node}'s prefill {@code T̄_fwd} comes from pushes; null when it does not answer. */
    static @Nullable Boolean fromPushes(DispatcherNode node) {
        String text = node.prometheus(FROM_PUSHES);
        return text == null ? null : fromPushes(text);
    }

    private static boolean fromPushes(String text) {
        Double v = Prometheus.sum(text, FROM_PUSHES, "phase=\"prefill\"");
        return v != null && v > 0;
    }

    /** The pushes {@code node}'s loop took as relayed by a standby; null when it does not answer. */
    static @Nullable Double relayed(DispatcherNode node) {
        String text = node.prometheus(APPLIED_FAMILY);
        if (text == null) {
            return null;
        }
        Double n = Prometheus.sum(text, APPLIED, "path=\"relayed\"");
        return n == null ? 0.0 : n;
    }

    /**
     * Polls {@code node}, which took over at {@code takeoverNanos}, until both figures are known or
     * {@code deadlineNanos}. {@code warmBeforeKill}: its {@code T̄_fwd} came from pushes while it stood by,
     * so if its first answer still says so the pass model figure is 0. {@code appliedBefore}: its
     * {@link #applied} count before the kill.
     */
    static AfterTakeover poll(DispatcherNode node, long takeoverNanos, boolean warmBeforeKill, double appliedBefore,
            long deadlineNanos) throws InterruptedException {
        Double passModel = null;
        Double applied = null;
        Double firstAnswer = null;
        boolean first = true;
        while ((passModel == null || applied == null) && System.nanoTime() - deadlineNanos < 0) {
            long asked = System.nanoTime();
            String text = node.prometheus(APPLIED_FAMILY, FROM_PUSHES);
            long answered = System.nanoTime();
            double at = Tally.ms(answered - takeoverNanos);
            if (firstAnswer == null) {
                firstAnswer = Tally.ms(answered - asked);
            }
            if (text != null) {
                if (passModel == null && fromPushes(text)) {
                    passModel = first && warmBeforeKill ? 0.0 : at;
                }
                if (applied == null && appliedAsLeader(text) > appliedBefore) {
                    applied = at;
                }
                first = false;
            }
            Wait.untilNanos(asked + POLL_MS * 1_000_000);
        }
        return new AfterTakeover(passModel, applied, firstAnswer);
    }
}
