package io.sbs.loop;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs the dispatch loop's tasks one at a time, in the order they come, each seeing all the effects of the
 * ones before. A <em>light</em> task (a request's arrival, a withdrawal, the bookkeeping after a first token
 * while no request waits for a decision) that finds the loop idle runs on
 * the thread that brings it, usually the event loop that read the request: for an immediate policy the
 * decision and the start of the engine request then take no thread hop, where on two cores every hop is a
 * chance to wait a scheduler slice for a busy core. Every other task (ticks, engine signals, admin changes), and a light one that finds the loop busy,
 * runs on the loop's own thread ({@code sbs-dispatch}), or on whichever thread is draining at the time: a
 * thread that is not the loop's own hands the queue over before a task that is not light, and after
 * {@link #INLINE_BUDGET} tasks, so an event loop never runs a tick's batch of decisions or drains for long.
 */
final class LoopExecutor {

    private static final Logger log = LoggerFactory.getLogger(LoopExecutor.class);
    private static final int INLINE_BUDGET = 16;

    private record Task(Runnable body, boolean light) {
    }

    private final Scheduler home = Schedulers.newSingle("sbs-dispatch");
    private final Queue<Task> queue = new ConcurrentLinkedQueue<>();
    /** Set while one thread drains the queue; it alone runs tasks. */
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean closed;

    /** Runs {@code task} on the loop. */
    void execute(Runnable task) {
        offer(new Task(task, false));
    }

    /** Runs {@code task} on the loop, on the calling thread if the loop is idle. It must be quick. */
    void executeLight(Runnable task) {
        offer(new Task(task, true));
    }

    /** Runs {@code task} on the loop after {@code delayNanos}. */
    Disposable schedule(Runnable task, long delayNanos) {
        return home.schedule(() -> executeUnlessClosed(task), delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Runs {@code task} on the loop every {@code period}. */
    Disposable schedulePeriodically(Runnable task, Duration period) {
        return home.schedulePeriodically(() -> executeUnlessClosed(task), period.toNanos(), period.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /** For timers, which may fire as the loop closes: nobody waits on what they would have run. */
    private void executeUnlessClosed(Runnable task) {
        try {
            execute(task);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Refuses new tasks; those queued are dropped with the loop's thread. */
    void close() {
        closed = true;
        home.dispose();
    }

    private void offer(Task task) {
        if (closed) {
            throw new RejectedExecutionException("the dispatch loop is closed");
        }
        queue.offer(task);
        if (draining.compareAndSet(false, true)) {
            if (task.light()) {
                drain(false);
            } else {
                handOver();
            }
        }
    }

    /** Called with {@link #draining} held, which passes to the loop's thread. */
    private void handOver() {
        if (closed) {
            draining.set(false);
            return;
        }
        try {
            home.schedule(() -> drain(true));
        } catch (RejectedExecutionException e) {
            draining.set(false); // closed meanwhile
        }
    }

    /** Runs queued tasks while {@link #draining} is held by this thread. */
    private void drain(boolean onHome) {
        int ran = 0;
        for (;;) {
            Task task;
            while ((task = queue.peek()) != null) {
                if (!onHome && (!task.light() || ran == INLINE_BUDGET)) {
                    handOver();
                    return;
                }
                queue.poll();
                ran++;
                try {
                    task.body().run();
                } catch (Throwable e) {
                    Exceptions.throwIfJvmFatal(e);
                    // one failed task must not stop the loop: the next still runs
                    log.error("a dispatch loop task failed", e);
                }
            }
            draining.set(false);
            // a task offered between the last poll and the release found the flag held: take it back
            if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }
}
