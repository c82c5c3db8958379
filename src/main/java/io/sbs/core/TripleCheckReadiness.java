package io.sbs.core;

/**
 * Readiness of an instance by the triple check of paper section 4.1.2.
 *
 * <p>Implementation notes. Model: an instance is ready for a dispatch when it is idle, or when its
 * running pass is predicted to end soon enough that a top-up sent now lands just before the engine
 * starts its next pass (SPEC.md section 9: a batch sent on EndForward arrives just after the next pass
 * began and waits a whole pass); {@link ClusterState#ready} applies that window. For a prefill instance the
 * pass and its end come from the instance's {@link PassTracker}, which runs the pass-time model on what the
 * dispatcher sent and takes every signal the engine gives as an observation: a request's first token
 * (stock engines), a load poll (idle: quiescence; fewer waiting requests than estimated: a pass began),
 * an EndForward push (exact, where an engine patch or sidecar sends it), and the watchdog. Any one of
 * them suffices, and none is required: between observations the prediction carries the estimate.
 * The watchdog is armed while the estimate holds work, with timeout {@code k_w · T̄_fwd} counted from the
 * last progress (a first token, a push, or a poll the engine answered; later when the first prompt the
 * estimate expects to finish spans several passes), so with stock engines it fires only once they stop
 * answering; on
 * expiry the estimate is dropped, the instance is forced idle and the fire is counted;
 * {@code suspectAfterFires} consecutive fires mark it suspect.
 *
 * <p>Failure handling: a suspect instance leaves {@code N} and stops receiving work until any signal is
 * heard from it again. When every instance of a phase is suspect, callers fall back to all of them, so
 * with every signal lost the system degrades to one batch per watchdog period per instance (a fixed
 * interval) and never deadlocks.
 */
public final class TripleCheckReadiness {

    private TripleCheckReadiness() {
    }

    /** Decode: work sent at {@code now}, predicted to reach the engine after {@code dispatchLatency}. */
    static void onDispatch(InstanceState inst, long now, long dispatchLatency, long watchdogTimeout) {
        inst.lastDispatchArrivalNanos = Math.max(inst.lastDispatchArrivalNanos, now + dispatchLatency);
        if (!inst.passRunning) {
            inst.passRunning = true;
            inst.passStartedNanos = now + dispatchLatency;
            inst.runningPassMaxTokens = -1;
        }
        arm(inst, now, watchdogTimeout);
    }

    /** Decode: a step report; the instance runs on while any unit has a batch. */
    static void onStepEnded(InstanceState inst, long now, long endedAt, boolean busy, long watchdogTimeout) {
        heard(inst, now);
        inst.watchdogDeadlineNanos = Long.MAX_VALUE;
        if (busy || inst.lastDispatchArrivalNanos > endedAt) {
            inst.passRunning = true;
            inst.passStartedNanos = busy ? endedAt : inst.lastDispatchArrivalNanos;
            arm(inst, now, watchdogTimeout);
        } else {
            inst.passRunning = false;
        }
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
        if (inst.tracker != null) {
            inst.tracker.forget(now);
        } else {
            inst.passRunning = false;
            for (DpUnitState u : inst.units()) {
                u.resetVolatile();
            }
        }
        inst.watchdogFires++;
        inst.consecutiveWatchdogFires++;
        inst.countReadiness(ReadinessSource.WATCHDOG, 1);
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
