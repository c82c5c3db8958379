package io.sbs.engine;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The event loops of the HTTP server and of the engine calls, one set for both, and a pool of engine
 * connections per loop. A request is then read, decided, sent to its engine, answered and relayed on one
 * thread, as an nginx worker serves it: an engine call runs on the loop that read its request (the
 * {@link #CALLER_LOOP} its route puts in the subscriber context, else the calling thread's loop), over a
 * connection of that loop's pool. With a pool shared by all loops, or loops of their own for engine calls,
 * every request crossed between threads twice (the engine's write, the client's answer), each a wake-up of a
 * thread that, on two cores, may wait a scheduler slice for a busy core (docs/benchmarks.md, issue 14).
 *
 * <p>The loops are the JVM's, never disposed: every dispatcher started in this JVM (the integration tests
 * start several) runs on them, and the web server's resource factory uses them without owning them.
 */
public final class EngineLoops {

    /**
     * Subscriber-context key of the {@link EventLoop} that read the request an engine call serves: its
     * connection comes from that loop's pool, so the answer is read where the client's connection is written.
     */
    public static final String CALLER_LOOP = "sbs.engine.caller-loop";

    /** As {@code SbsApplication} sets it: one event loop per core unless the operator chooses otherwise. */
    private static final String IO_WORKERS = "reactor.netty.ioWorkerCount";

    /** The server's and the engine calls' loops; clients created on a loop thread stay on it (colocated). */
    public static final LoopResources RESOURCES = LoopResources.create("sbs-io",
            Math.max(1, Integer.getInteger(IO_WORKERS, Runtime.getRuntime().availableProcessors())), true);

    private static final EventLoop[] LOOPS = loops();

    /**
     * Connections to engines, a pool per loop. Every request in flight holds one until its answer ends, so an
     * instance needs as many as it has requests running and queued; Reactor Netty's default of 16 per host would
     * queue requests in the client, out of the scheduler's sight.
     */
    private static final ConnectionProvider[] POOLS = new ConnectionProvider[LOOPS.length];

    /** Timers on each loop, for the engine calls' timeouts: armed and cancelled there, they wake no thread. */
    private static final Scheduler[] TIMERS = new Scheduler[LOOPS.length];

    static {
        for (int i = 0; i < LOOPS.length; i++) {
            POOLS[i] = ConnectionProvider.builder("sbs-engines-" + i).maxConnections(4_096).pendingAcquireMaxCount(-1)
                    .maxIdleTime(Duration.ofSeconds(60)).build();
            TIMERS[i] = Schedulers.fromExecutorService(LOOPS[i], "sbs-io-timer-" + i);
        }
    }

    /** For callers on no loop of ours (pollers, admin checks): their calls spread over the loops. */
    private static final AtomicInteger NEXT = new AtomicInteger();

    private EngineLoops() {
    }

    private static EventLoop[] loops() {
        EventLoopGroup group = RESOURCES.onServer(LoopResources.DEFAULT_NATIVE);
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor executor : group) {
            loops.add((EventLoop) executor);
        }
        return loops.toArray(EventLoop[]::new);
    }

    /** How many loops there are. */
    public static int count() {
        return LOOPS.length;
    }

    /** The loop at {@code index}, from 0 to {@link #count()} less one. */
    public static EventLoop loop(int index) {
        return LOOPS[index];
    }

    static ConnectionProvider pool(int index) {
        return POOLS[index];
    }

    static Scheduler timer(int index) {
        return TIMERS[index];
    }

    /** The loop the calling thread runs, or null on any other thread. */
    public static @Nullable EventLoop current() {
        for (EventLoop loop : LOOPS) {
            if (loop.inEventLoop()) {
                return loop;
            }
        }
        return null;
    }

    /** {@code context} with the calling thread's loop as {@link #CALLER_LOOP}, or as it is off our loops. */
    public static Context onCallerLoop(Context context) {
        EventLoop loop = current();
        return loop == null ? context : context.put(CALLER_LOOP, loop);
    }

    /** The index of the loop an engine call under {@code context} should run on. */
    static int indexFor(ContextView context) {
        Object caller = context.getOrDefault(CALLER_LOOP, null);
        if (caller == null) {
            caller = current();
        }
        for (int i = 0; i < LOOPS.length; i++) {
            if (LOOPS[i] == caller) {
                return i;
            }
        }
        return Math.floorMod(NEXT.getAndIncrement(), LOOPS.length);
    }
}
