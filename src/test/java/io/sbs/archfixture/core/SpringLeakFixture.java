package io.sbs.archfixture.core;

import org.springframework.util.Assert;

/** Breaks the framework rule on purpose, so ArchitectureTest can show the rule fails. */
public final class SpringLeakFixture {

    public void check(Object o) {
        Assert.notNull(o, "o");
    }
}
