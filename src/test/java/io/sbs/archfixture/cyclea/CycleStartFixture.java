package io.sbs.archfixture.cyclea;

import io.sbs.archfixture.cycleb.CycleEndFixture;

/** One half of a package cycle on purpose, so ArchitectureTest can show the cycle rule fails. Never executed. */
public final class CycleStartFixture {

    public CycleEndFixture next() {
        return new CycleEndFixture();
    }
}
