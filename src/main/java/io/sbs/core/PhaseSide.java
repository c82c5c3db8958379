package io.sbs.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One phase's part of the {@link ClusterState}: the instances of that phase in registration order, its
 * {@link IntervalEstimator} ({@code T̄_fwd}, {@code τ_net}, {@code Δ}) and its {@link PassTimeModel}, and the
 * readiness arithmetic that follows from them (when a pass ends, when a top-up must leave, the watchdog
 * timeout). What only one phase does is in {@link PrefillSide} (the pass estimates and their signals) and
 * {@link DecodeSide} (the decode step cost). Same thread confinement as the cluster state; nanoseconds.
 */
abstract sealed class PhaseSide permits PrefillSide, DecodeSide {

    private final Map<String, InstanceState> instances = new LinkedHashMap<>();
    private final PassTimeModel passTimes;
    private IntervalEstimator interval;
    private SchedulingPolicy policy;
    /** The pass-time prediction this phase's trackers run on. */
    final PassTracker.PassTime passTime = (max, sum, attention) -> passTimes().predict(max, sum, attention,
            meanForwardNanos());

    PhaseSide(SchedulingPolicy policy) {
        this.policy = policy;
        this.interval = newInterval(policy);
        this.passTimes = new PassTimeModel(Math.max(16, 2 * policy.windowSamples()));
        configureInterval();
    }

    private static IntervalEstimator newInterval(SchedulingPolicy p) {
        return new IntervalEstimator(p.windowSamples(), p.defaultInterval().toNanos(), p.minInterval().toNanos(),
                p.maxInterval().toNanos());
    }

    /** New settings; a changed window length starts a new window, else the samples stay. */
    void policy(SchedulingPolicy next) {
        boolean newWindow = next.windowSamples() != policy.windowSamples();
        this.policy = next;
        if (newWindow) {
            interval = newInterval(next);
        }
        configureInterval();
    }

    private void configureInterval() {
        interval.configure(policy.defaultInterval().toNanos(), policy.minInterval().toNanos(),
                policy.maxInterval().toNanos(), policy.pinnedInterval().toNanos());
    }

    SchedulingPolicy policy() {
        return policy;
    }

    PassTimeModel passTimes() {
        return passTimes;
    }

    IntervalEstimator interval() {
        return interval;
    }

    void add(InstanceState inst) {
        instances.put(inst.id(), inst);
    }

    void remove(String id) {
        instances.remove(id);
    }

    /** The phase's instances, registration order. */
    Iterable<InstanceState> all() {
        return instances.values();
    }

    List<InstanceState> instances() {
        return Collections.unmodifiableList(new ArrayList<>(instances.values()));
    }

    /**
     * The instances that should receive work: the healthy ones, or, when none is healthy but some are
     * only suspect (not draining), those, so that losing every signal degrades to watchdog-paced
     * dispatch instead of a deadlock.
     */
    List<InstanceState> candidates() {
        List<InstanceState> healthy = new ArrayList<>();
        List<InstanceState> suspects = new ArrayList<>();
        for (InstanceState i : instances.values()) {
            if (i.draining()) {
                continue;
            }
            (i.suspect() ? suspects : healthy).add(i);
        }
        return healthy.isEmpty() ? suspects : healthy;
    }

    int healthyInstances() {
        int n = 0;
        for (InstanceState i : instances.values()) {
            if (i.healthy()) {
                n++;
            }
        }
        return n;
    }

    long meanForwardNanos() {
        return interval.meanForwardNanos(this::healthyInstances);
    }

    /**
     * When the instance's running pass is predicted to end: its start plus the {@link PassTimeModel}'s
     * duration for the pass's tokens ({@code T̄_fwd} until passes are reported);
     * {@link Long#MIN_VALUE} when it is idle.
     */
    long predictedPassEnd(InstanceState inst) {
        if (!inst.passRunning()) {
            return Long.MIN_VALUE;
        }
        if (inst.tracker != null) {
            return inst.tracker.predictedEnd(passTime);
        }
        return inst.passStartedNanos() + predictPass(inst.runningPassMaxTokens(), inst.runningPassTotalTokens(), 0);
    }

    /**
     * Predicted duration of a pass whose most loaded unit holds {@code maxUnitTokens} of {@code totalTokens},
     * with the straggler's attention ({@link PassTimeModel}; {@code T̄_fwd} before any pass was measured).
     */
    long predictPass(long maxUnitTokens, long totalTokens, double attention) {
        return passTimes.predict(maxUnitTokens, totalTokens, attention, meanForwardNanos());
    }

    /**
     * How long before a predicted pass end a top-up must be sent to land in time: {@code τ_net} (with its
     * tail, {@link #dispatchLatencyBoundNanos}) plus a guard of {@code dispatchGuardSigmas} standard
     * deviations of the pass-time prediction error, at least {@code dispatchGuardFraction} of {@code T̄_fwd}
     * (10% of it until enough passes are reported).
     */
    long dispatchHorizonNanos() {
        long meanForward = meanForwardNanos();
        long floor = (long) (policy.dispatchGuardFraction() * meanForward);
        return dispatchLatencyBoundNanos()
                + Math.max(floor, (long) (policy.dispatchGuardSigmas() * predictionSigmaNanos()));
    }

    /**
     * The latest a top-up may be sent before a predicted pass end: {@code τ_net} (with its tail) plus 1.5
     * standard deviations of the prediction error. Later than that it would miss the pass more often than
     * one time in fifteen and wait a whole pass on the device, while the buffer's next chance, another
     * instance's boundary, is on average only {@code T̄_fwd / 2N} away.
     */
    long latestTopUpNanos() {
        return Math.min(dispatchHorizonNanos(), dispatchLatencyBoundNanos() + (long) (1.5 * predictionSigmaNanos()));
    }

    /** Standard deviation of the pass-time prediction error ({@code T̄_fwd / 10} until enough passes are measured). */
    long predictionSigmaNanos() {
        return passTimes.residualStdNanos(meanForwardNanos() / 10);
    }

    /**
     * Whether a dispatch at {@code now} should go to the instance: it is idle, or its running pass is
     * predicted to end between {@link #latestTopUpNanos} and {@link #dispatchHorizonNanos} from now.
     */
    boolean ready(InstanceState inst, long now) {
        if (!inst.passRunning()) {
            return true;
        }
        long untilEnd = predictedPassEnd(inst) - now;
        return untilEnd <= dispatchHorizonNanos() && untilEnd >= latestTopUpNanos();
    }

    long intervalNanos() {
        return interval.intervalNanos(Math.max(1, healthyInstances()));
    }

    long dispatchLatencyNanos() {
        return interval.meanDispatchLatencyNanos();
    }

    /**
     * {@code τ_net} with its slow tail: the slowest recent dispatch ({@link IntervalEstimator}), at most
     * half of {@code T̄_fwd}. One outlier (a pause of the dispatcher's process) would otherwise push every
     * top-up window a whole outlier ahead of the pass ends for a window of samples; a dispatch path slower
     * than half a pass cannot be staggered against pass ends anyway.
     */
    long dispatchLatencyBoundNanos() {
        return Math.min(interval.dispatchLatencyBoundNanos(), meanForwardNanos() / 2);
    }

    long watchdogTimeout() {
        return (long) (policy.watchdogFactor() * meanForwardNanos());
    }

    /** An EndForward push from {@code inst}: a pass measured for {@code T̄_fwd} and the pass-time model. */
    void recordPush(InstanceState inst, ForwardEndedEvent e) {
        interval.recordForwardPass(e.durationNanos(), true);
        // the pass the push reports is the one the estimate was running: its attention is the estimate's
        double attention = inst.tracker != null && inst.tracker.running() ? inst.tracker.takeAttention() : 0;
        passTimes.record(max(e.passTokens()), sum(e.passTokens()), attention, e.durationNanos());
    }

    /** A decode step report ({@link ClusterState#onDecodeStepEnded}) from {@code inst}, of this phase. */
    void stepEnded(InstanceState inst, DecodeStepEndedEvent e, long now) {
        interval.recordForwardPass(e.durationNanos());
        List<DpUnitState> units = inst.units();
        boolean busy = false;
        for (int d = 0; d < units.size() && d < e.batch().length; d++) {
            units.get(d).reportDecode(e.batch()[d], e.kvTokens()[d], e.receivedRequests()[d],
                    e.receivedKvTokens()[d]);
            busy |= e.batch()[d] > 0;
        }
        TripleCheckReadiness.onStepEnded(inst, now, e.endedAtNanos(), busy, watchdogTimeout());
    }

    /** Runs every armed watchdog of the phase; returns the instances whose watchdog fired. */
    List<InstanceState> checkWatchdogs(long now) {
        List<InstanceState> fired = new ArrayList<>(0);
        for (InstanceState i : instances.values()) {
            if (TripleCheckReadiness.checkWatchdog(i, now, policy.suspectAfterFires())) {
                fired.add(i);
            }
        }
        return fired;
    }

    long nextWatchdogDeadline() {
        long next = Long.MAX_VALUE;
        for (InstanceState i : instances.values()) {
            next = Math.min(next, i.watchdogDeadlineNanos());
        }
        return next;
    }

    private static long max(long[] values) {
        long m = 0;
        for (long v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }
}
