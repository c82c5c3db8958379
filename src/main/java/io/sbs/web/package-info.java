/**
 * The service's HTTP surface and its wiring: the OpenAI-compatible ingress ({@code /v1/chat/completions},
 * {@code /v1/completions}, {@code /v1/models}), the EndForward push endpoint for engines, the Spring
 * wiring of the dispatch loop, the store and the engine cluster, meters and health, the policy preview's
 * traces and profiles. The settings ({@code io.sbs.config}), the engines ({@code io.sbs.cluster}) and the
 * error answers ({@code io.sbs.errors}) live in packages of their own; the embedded default comes from
 * the engine simulator through {@code io.sbs.cluster.EmbeddedEngines}.
 */
@NullMarked
package io.sbs.web;

import org.jspecify.annotations.NullMarked;
