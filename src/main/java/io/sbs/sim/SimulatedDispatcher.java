package io.sbs.sim;

import io.sbs.core.Assignment;
import io.sbs.core.InferenceRequest;
import io.sbs.core.PhaseDispatch;
import java.util.List;
import java.util.function.Consumer;

/**
 * The dispatcher's event loop inside the simulator: hands arrivals to a {@link PhaseDispatch}, keeps one
 * tick scheduled at the strategy's {@code nextTickAt}, runs a cycle after every engine signal (the fast
 * path), and passes every decision to the simulated network. The live service's dispatch loop plays the
 * same role on a real clock.
 */
final class SimulatedDispatcher {

    private final EventQueue events;
    private final PhaseDispatch dispatch;
    private final Consumer<List<Assignment>> network;
    private long scheduledTick = Long.MAX_VALUE;
    private long overloadedTicks;
    private int maxBuffered;

    SimulatedDispatcher(EventQueue events, PhaseDispatch dispatch, Consumer<List<Assignment>> network) {
        this.events = events;
        this.dispatch = dispatch;
        this.network = network;
    }

    void arrive(InferenceRequest request) {
        network.accept(dispatch.onArrival(request, events.now()));
        maxBuffered = Math.max(maxBuffered, dispatch.buffered());
        reschedule();
    }

    /** An engine signal reached the dispatcher (after the cluster state took it in). */
    void signalled() {
        network.accept(dispatch.onTick(events.now()));
        reschedule();
    }

    private void reschedule() {
        long now = events.now();
        long next = dispatch.nextTickAt(now);
        if (next < scheduledTick || scheduledTick <= now) {
            scheduledTick = next;
            if (next != Long.MAX_VALUE) {
                events.schedule(next, () -> tick(next));
            }
        }
    }

    private void tick(long at) {
        if (at != scheduledTick) {
            return; // superseded by an earlier tick
        }
        scheduledTick = Long.MAX_VALUE;
        network.accept(dispatch.onTick(events.now()));
        if (dispatch.overloaded()) {
            overloadedTicks++;
        }
        reschedule();
    }

    long overloadedTicks() {
        return overloadedTicks;
    }

    int maxBuffered() {
        return maxBuffered;
    }
}
