package io.sbs.sim;

/**
 * An injected instance fault, active in {@code [fromNanos, toNanos)} of virtual time.
 *
 * @param instanceIndex which instance of the phase, from 0
 * @param kind          what goes wrong
 * @param factor        for {@link Kind#SLOWDOWN}, the multiplier of pass time
 */
public record Fault(int instanceIndex, Kind kind, long fromNanos, long toNanos, double factor) {

    public enum Kind {
        /** The engine works but its EndForward pushes and load answers are lost. */
        SILENCE,
        /** Passes take {@code factor} times longer. */
        SLOWDOWN,
        /** The engine stops: queued work is lost, nothing is answered. */
        DEATH
    }

    public boolean activeAt(long t) {
        return t >= fromNanos && t < toNanos;
    }
}
