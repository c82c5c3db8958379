package io.sbs.bench;

import java.util.ArrayList;
import java.util.List;
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

    <T> List<T> all(List<Supplier<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        for (Supplier<T> t : tasks) {
            futures.add(submit(t));
        }
        List<T> out = new ArrayList<>(tasks.size());
        for (Future<T> f : futures) {
            out.add(get(f));
        }
        return out;
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
