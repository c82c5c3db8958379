package io.sbs.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One instance (an engine process group whose DP units step together) as the scheduler sees it: its DP
 * units and the readiness facts the triple check ({@link TripleCheckReadiness}) keeps.
 *
 * <p>Times are nanoseconds on the caller's clock. Not thread-safe.
 */
public final class InstanceState {

    private final String id;
    private final Phase phase;
    private final List<DpUnitState> units;

    boolean passRunning;
    long passStartedNanos;
    long watchdogDeadlineNanos = Long.MAX_VALUE;
    int consecutiveWatchdogFires;
    long watchdogFires;
    boolean suspect;
    boolean draining;
    long lastDispatchArrivalNanos = Long.MIN_VALUE;
    /** Tokens on the most loaded unit of the running pass, as reported; -1 when the pass was started by our dispatch. */
    long runningPassMaxTokens = -1;
    long runningPassTotalTokens;
    /** The pass and queue estimate of a prefill instance; null for decode. */
    final PassTracker tracker;
    private final long[] readiness = new long[ReadinessSource.values().length];

    public InstanceState(String id, Phase phase, int dpUnits, int chunkCapacity, long kvCapacity, int cacheBlocks) {
        if (dpUnits < 1) {
            throw new IllegalArgumentException("an instance needs at least one DP unit");
        }
        this.id = id;
        this.phase = phase;
        List<DpUnitState> list = new ArrayList<>(dpUnits);
        for (int rank = 0; rank < dpUnits; rank++) {
            list.add(new DpUnitState(new DpUnitId(id, rank), phase, chunkCapacity, kvCapacity, cacheBlocks));
        }
        this.units = Collections.unmodifiableList(list);
        this.tracker = phase == Phase.PREFILL ? new PassTracker(this) : null;
    }

    public String id() {
        return id;
    }

    public Phase phase() {
        return phase;
    }

    /** The DP units, indexed by rank. */
    public List<DpUnitState> units() {
        return units;
    }

    /** Whether the scheduler believes a forward pass is running (reported or predicted from a dispatch). */
    public boolean passRunning() {
        return passRunning;
    }

    /** Start of the running pass, reported or predicted; meaningful only while {@link #passRunning()}. */
    public long passStartedNanos() {
        return passStartedNanos;
    }

    public boolean suspect() {
        return suspect;
    }

    public boolean draining() {
        return draining;
    }

    public void draining(boolean value) {
        draining = value;
    }

    /** Healthy instances count in {@code N} and receive work. */
    public boolean healthy() {
        return !suspect && !draining;
    }

    /** Most tokens on one unit in the running pass: reported, or what we sent to the idle instance. */
    public long runningPassMaxTokens() {
        if (runningPassMaxTokens >= 0) {
            return runningPassMaxTokens;
        }
        long max = 0;
        for (DpUnitState u : units) {
            max = Math.max(max, u.startingPassTokens());
        }
        return max;
    }

    /** All tokens in the running pass: reported, or what we sent to the idle instance. */
    public long runningPassTotalTokens() {
        if (runningPassMaxTokens >= 0) {
            return runningPassTotalTokens;
        }
        long sum = 0;
        for (DpUnitState u : units) {
            sum += u.startingPassTokens();
        }
        return sum;
    }

    /** How many pass boundaries (readiness decisions) {@code source} has established for this instance. */
    public long readinessDecisions(ReadinessSource source) {
        return readiness[source.ordinal()];
    }

    void countReadiness(ReadinessSource source, long n) {
        readiness[source.ordinal()] += n;
    }

    public long watchdogFires() {
        return watchdogFires;
    }

    public long watchdogDeadlineNanos() {
        return watchdogDeadlineNanos;
    }

    public long outstandingTokens() {
        long sum = 0;
        for (DpUnitState u : units) {
            sum += u.outstandingTokens();
        }
        return sum;
    }

    @Override
    public String toString() {
        return id + "[" + phase + (passRunning ? ", running" : ", idle") + (suspect ? ", suspect" : "")
                + (draining ? ", draining" : "") + "]";
    }
}
