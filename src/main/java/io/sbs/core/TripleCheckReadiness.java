package io.sbs.core;

/**
 * Readiness of an instance by the triple check of paper section 4.1.2.
 *
 * <p>Implementation notes. Model: an instance is ready for a dispatch when it is idle, or when its
 * running pass is predicted to end soon enough that a top-up sent now lands just before the engine
 * starts its next pass (SPEC.md section 9: a batch sent on EndForward arrives just after the next pass
 * began and waits a whole pass); {@link ClusterState#ready} applies that window. The three signals, any one of which suffices:
 * <ol>
 *   <li>quiescence polling: a reported queue depth of zero makes the instance idle;</li>
 *   <li>EndForward push: the pass ended; the instance is idle or, if the engine started another pass at
 *       once, running since the reported end; feeds {@code T̄_fwd};</li>
 *   <li>watchdog: armed when work is sent to (or seen running on) an instance, with timeout
 *       {@code k_w * T̄_fwd}; on expiry the instance is forced idle, its unacknowledged state is reset and
 *       the fire is counted; {@code suspectAfterFires} consecutive fires mark it suspect.</li>
 * </ol>
 * Failure handling: a suspect instance leaves {@code N} and stops receiving work until any signal is
 * heard from it again. When every instance of a phase is suspect, callers fall back to all of them, so
 * with every signal lost the system degrades to one batch per watchdog period per instance (a fixed
 * interval) and never deadlocks.
 */
public final class TripleCheckReadiness {

    private TripleCheckReadiness() {
    }

    /** Records work sent at {@code now}, predicted to reach the engine after {@code dispatchLatency}. */
    static void onDispatch(InstanceState inst, long now, long dispatchLatency, long watchdogTimeout) {
        inst.lastDispatchArrivalNanos = Math.max(inst.lastDispatchArrivalNanos, now + dispatchLatency);
        if (!inst.passRunning) {
            inst.passRunning = true;
            inst.passStartedNanos = now + dispatchLatency;
            inst.runningPassMaxTokens = -1;
        }
        arm(inst, now, watchdogTimeout);
    }

    /** The only work sent to an idle instance was withdrawn before it left: the instance is idle again. */
    static void onWithdrawnFromIdle(InstanceState inst) {
        inst.passRunning = false;
        inst.watchdogDeadlineNanos = Long.MAX_VALUE;
        inst.lastDispatchArrivalNanos = Long.MIN_VALUE;
    }

    /** EndForward: the fast path. */
    static void onForwardEnded(InstanceState inst, long now, long endedAt, boolean nextPassStarted,
            long nextPassMaxTokens, long nextPassTotalTokens, long watchdogTimeout) {
        heard(inst, now);
        if (nextPassStarted) {
            inst.passRunning = true;
            inst.passStartedNanos = endedAt;
            inst.runningPassMaxTokens = nextPassMaxTokens;
            inst.runningPassTotalTokens = nextPassTotalTokens;
            inst.watchdogDeadlineNanos = Long.MAX_VALUE;
            arm(inst, now, watchdogTimeout);
        } else if (inst.lastDispatchArrivalNanos > endedAt) {
            // The report is older than work we sent since: that work started a pass of its own on arrival.
            inst.passRunning = true;
            inst.passStartedNanos = inst.lastDispatchArrivalNanos;
            // What is still in flight reached an idle engine and started that pass, so it no longer
            // counts against the pass after it.
            for (DpUnitState u : inst.units()) {
                u.inflightStartedPass();
            }
            inst.runningPassMaxTokens = -1;
            inst.watchdogDeadlineNanos = Long.MAX_VALUE;
            arm(inst, now, watchdogTimeout);
        } else {
            inst.passRunning = false;
            inst.watchdogDeadlineNanos = Long.MAX_VALUE;
        }
    }

    /**
     * Quiescence polling: an engine with nothing running or queued, sampled at {@code sampledAt}, is an
     * immediate readiness trigger, unless work we sent may have reached it after the sample.
     */
    static void onQuiescent(InstanceState inst, long now, long sampledAt) {
        heard(inst, now);
        if (sampledAt < inst.lastDispatchArrivalNanos) {
            return;
        }
        inst.passRunning = false;
        inst.watchdogDeadlineNanos = Long.MAX_VALUE;
    }

    /** Any sign of life (a non-empty poll included) clears suspicion. */
    static void heard(InstanceState inst, long now) {
        inst.consecutiveWatchdogFires = 0;
        inst.suspect = false;
    }

    /** Fires the watchdog if it expired; returns whether it fired. */
    static boolean checkWatchdog(InstanceState inst, long now, int suspectAfterFires) {
        if (now < inst.watchdogDeadlineNanos) {
            return false;
        }
        inst.watchdogDeadlineNanos = Long.MAX_VALUE;
        inst.passRunning = false;
        for (DpUnitState u : inst.units()) {
            u.resetVolatile();
        }
        inst.watchdogFires++;
        inst.consecutiveWatchdogFires++;
        if (inst.consecutiveWatchdogFires >= suspectAfterFires) {
            inst.suspect = true;
        }
        return true;
    }

    private static void arm(InstanceState inst, long now, long timeout) {
        if (inst.watchdogDeadlineNanos == Long.MAX_VALUE) {
            inst.watchdogDeadlineNanos = now + timeout;
        }
    }
}
