/**
 * How the dispatcher answers a mistake over HTTP: the one path of client errors
 * ({@link io.sbs.errors.ClientErrors}) that maps exceptions to 4xx, an RFC 9457 problem detail
 * ({@link io.sbs.errors.ProblemWriter}), or under the ingress's {@code /v1/**} an OpenAI error object
 * ({@link io.sbs.errors.OpenAiErrors}). Depends on Spring WebFlux only, so the ingress, the admin API and
 * security answer alike.
 */
@NullMarked
package io.sbs.errors;

import org.jspecify.annotations.NullMarked;
