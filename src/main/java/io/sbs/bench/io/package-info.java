/**
 * The benchmark runner's charts: PNG or SVG plots of the suites' results, drawn with XChart. Profiles and
 * traces are read by {@code io.sbs.formats}, summaries and tables written by {@code io.sbs.tools}.
 */
@NullMarked
package io.sbs.bench.io;

import org.jspecify.annotations.NullMarked;
