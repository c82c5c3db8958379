package io.sbs.archfixture.cycleb;

import io.sbs.archfixture.cyclea.CycleStartFixture;

/** The other half of the package cycle of {@link CycleStartFixture}. Never executed. */
public final class CycleEndFixture {

    public CycleStartFixture back() {
        return new CycleStartFixture();
    }
}
