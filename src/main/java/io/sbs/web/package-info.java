/**
 * The service's HTTP surface and its wiring: the OpenAI-compatible ingress ({@code /v1/chat/completions},
 * {@code /v1/completions}, {@code /v1/models}), the EndForward push endpoint for engines, the
 * configuration of instances and policy ({@code sbs.*}), and the embedded default that starts a simulated
 * cluster in process when no engines are configured. Errors are RFC 9457 problem details.
 */
@NullMarked
package io.sbs.web;

import org.jspecify.annotations.NullMarked;
