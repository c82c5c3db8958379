package io.sbs.bench;

import io.sbs.cli.Progress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Runs independent simulations on all cores. Each task is a pure function of its inputs and seed, so
 * results do not depend on the number of threads or their interleaving.
 */
final class Parallel implements AutoCloseable {

    private final ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));

    <T> Future<T> submit(Supplier<T> task) {
        return pool.submit(task::get);
    }

    /** {@link #submit(Supplier)}, counted as done in {@code stage} when it is, as {@code what} of {@code work} units. */
    <T> Future<T> submit(Progress.Stage stage, String what, double work, Supplier<T> task) {
        return pool.submit(() -> {
            T result = task.get();
            stage.done(what, work);
            return result;
        });
    }

    static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
