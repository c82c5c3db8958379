package io.sbs.archfixture.tool;

/** Stands for a tool (a benchmark, a drill) in the layering fixtures: the product may not use it. Never executed. */
public final class FixtureTool {

    public static int run() {
        return 0;
    }
}
