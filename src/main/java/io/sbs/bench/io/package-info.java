/**
 * File formats of the benchmark runner: engine profiles (JSON), public request traces (the Azure LLM
 * inference trace CSV and Mooncake JSONL), and result files (JSON summaries, markdown tables, PNG plots
 * drawn with XChart).
 */
@NullMarked
package io.sbs.bench.io;

import org.jspecify.annotations.NullMarked;
