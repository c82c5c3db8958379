package io.sbs.archfixture.product;

import io.sbs.archfixture.tool.FixtureTool;

/**
 * Breaks the layering on purpose: a product class that uses a tool, so ArchitectureTest can show that a
 * package's layer rule fails when broken. Never executed.
 */
public final class ToolLeakFixture {

    public int leak() {
        return FixtureTool.run();
    }
}
