package io.sbs.state;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Ends a node's use of the shared state on a normal stop, after the web server has finished its requests
 * and before the Redis connection closes. Lettuce's connection factory is a lifecycle bean at phase 0, so
 * it stops before any bean is destroyed; what still renewed the lease, claimed buffered requests or read
 * the view at that point logged warnings, and the lease was never released, so a standby waited out its
 * time to live. Readers of the state ({@link #READERS}) stop first, then the state's own users
 * ({@link #USERS}) in the order given, leadership last so its release is the final write.
 */
public final class StateShutdown implements SmartLifecycle {

    /** Below the web server's graceful shutdown and stop ({@code DEFAULT_PHASE - 2048, - 1024}), above Lettuce's 0. */
    public static final int USERS = SmartLifecycle.DEFAULT_PHASE - 4096;
    /** What only reads the state (the dashboard's feed): stopped just before its users. */
    public static final int READERS = USERS + 1;

    private static final Logger log = LoggerFactory.getLogger(StateShutdown.class);

    private final int phase;
    private final List<AutoCloseable> inOrder;
    private volatile boolean running;

    /** @param inOrder what to close, in order; each close must tolerate being called again at destruction */
    public StateShutdown(int phase, List<AutoCloseable> inOrder) {
        this.phase = phase;
        this.inOrder = List.copyOf(inOrder);
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        for (AutoCloseable c : inOrder) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("stopping {}: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return phase;
    }
}
