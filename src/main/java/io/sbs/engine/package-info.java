/**
 * The port to inference engines and what its adapters share: the engines' load reports (SGLang's
 * {@code /get_load}, vLLM's Prometheus {@code /metrics}) read into one per-DP-rank view, and the way each
 * engine is told which DP rank serves a request (SGLang: body field {@code data_parallel_rank} and header
 * {@code X-Data-Parallel-Rank}; vLLM: header {@code X-data-parallel-rank}). {@link io.sbs.engine.HttpEngineClient}
 * implements the {@link io.sbs.engine.EngineClient} port for both on Reactor Netty's HttpClient; the dispatch
 * loop turns the load into the core's quiescence signal.
 */
@NullMarked
package io.sbs.engine;

import org.jspecify.annotations.NullMarked;
