/**
 * The benchmark runner behind {@code app/bench}: suites that drive the simulator ({@code paper},
 * {@code replay}, {@code scale}), search for the highest load a policy sustains under a TTFT objective,
 * and write each run's results as {@code summary.json}, {@code report.md} and plots. Profiles and
 * traces come from {@code io.sbs.formats}, summaries and tables go out through {@code io.sbs.tools}, plots
 * are drawn here with XChart, which keeps the simulator itself free of anything but the JDK. A tool: it may
 * use the product, never {@code chaos} or {@code enginesim}.
 */
@NullMarked
package io.sbs.bench;

import org.jspecify.annotations.NullMarked;
