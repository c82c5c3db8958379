package io.sbs.archfixture.core;

/** Breaks the clock rule on purpose, so ArchitectureTest can show the rule fails. */
public final class ClockReadingFixture {

    public long now() {
        return System.nanoTime();
    }
}
