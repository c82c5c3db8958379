package io.sbs.archfixture.core;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Random;

/**
 * Breaks the clock and randomness rule on purpose, once per kind of call, so ArchitectureTest can show
 * the rule fails on each. Never executed.
 */
public final class ClockReadingFixture {

    public long nanos() {
        return System.nanoTime();
    }

    public Instant instantFrom(Clock clock) {
        return Instant.now(clock);
    }

    public LocalDateTime localNow() {
        return LocalDateTime.now();
    }

    public void pause() throws InterruptedException {
        Thread.sleep(1, 0);
    }

    public int roll() {
        return new Random().nextInt(6);
    }
}
