/**
 * File formats of the benchmark runner: engine profiles read from JSON, public request traces (the Azure
 * LLM inference trace CSV and Mooncake JSONL with prefix hash ids) read into workloads, and result files
 * written by the suites (JSON summaries with sorted keys, markdown tables, PNG or SVG charts drawn with
 * XChart). The simulator itself stays free of these libraries; this package is where files meet it.
 */
@NullMarked
package io.sbs.bench.io;

import org.jspecify.annotations.NullMarked;
