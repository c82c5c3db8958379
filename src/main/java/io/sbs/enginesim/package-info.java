/**
 * The engine simulator server behind {@code app/engine-sim}: one simulated prefill instance of DP units
 * that answers HTTP like an SGLang DP-attention engine ({@code /v1/chat/completions},
 * {@code /v1/completions}, {@code /generate} with {@code data_parallel_rank}, {@code /get_load},
 * {@code /health}), runs gated forward passes in real time with the simulator's own engine model and
 * profiles, streams tokens, pushes EndForward to a configured URL, and has fault switches. Integration
 * tests and the embedded default talk to it over real HTTP; the embedded default itself is a bean here
 * ({@link io.sbs.enginesim.EmbeddedSimulatedCluster}) that the dispatcher finds through
 * {@code io.sbs.cluster.EmbeddedEngines}. A tool: it may use the product, never {@code bench} or
 * {@code chaos}.
 */
@NullMarked
package io.sbs.enginesim;

import org.jspecify.annotations.NullMarked;
