/**
 * The benchmark runner behind {@code app/bench}: suites that drive the simulator ({@code paper},
 * {@code replay}, {@code scale}), search for the highest load a policy sustains under a TTFT objective,
 * and write each run's results as {@code summary.json}, {@code report.md} and plots. File formats
 * (profiles, traces, JSON, PNG) are read and written here with Jackson and XChart, which keeps the
 * simulator itself free of anything but the JDK.
 */
@NullMarked
package io.sbs.bench;

import org.jspecify.annotations.NullMarked;
