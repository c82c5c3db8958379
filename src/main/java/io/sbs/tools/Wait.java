package io.sbs.tools;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Bounded polling: a drill (or a benchmark starting its processes) waits for conditions on real processes,
 * never for a fixed time it hopes is enough.
 */
public final class Wait {

    private Wait() {
    }

    /** Polls {@code probe} every {@code every} until it returns a value; fails with {@code message} after {@code timeout}. */
    public static <T> T forValue(Duration timeout, Duration every, Supplier<@Nullable T> probe, Supplier<String> message)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(message.get());
            }
            TimeUnit.NANOSECONDS.sleep(every.toNanos());
        }
    }

    /** {@link #forValue} for a condition. */
    public static void until(Duration timeout, Duration every, BooleanSupplier condition, Supplier<String> message)
            throws InterruptedException {
        forValue(timeout, every, () -> condition.getAsBoolean() ? Boolean.TRUE : null, message);
    }

    /** Sleeps until {@link System#nanoTime} reaches {@code at}. */
    public static void untilNanos(long at) throws InterruptedException {
        long left = at - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
