/**
 * The port to inference engines and what its adapters share: the engines' load reports (SGLang's
 * {@code /get_load}, vLLM's Prometheus {@code /metrics}) read into one per-DP-rank view, and the way each
 * engine is told which DP rank serves a request (SGLang: body field {@code data_parallel_rank} and header
 * {@code X-Data-Parallel-Rank}; vLLM: header {@code X-data-parallel-rank}). The dispatch loop turns these
 * into the core's quiescence signal; the HTTP adapters use the pinning rules on every request.
 */
@NullMarked
package io.sbs.engine;

import org.jspecify.annotations.NullMarked;
