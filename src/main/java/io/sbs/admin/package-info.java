/**
 * The admin REST API under {@code /api/v1}: cluster and DP-unit state, the leader and its epoch, the
 * versioned and audited scheduling policy (optimistic concurrency through {@code ETag} and
 * {@code If-Match}), instance registration and draining, and the interval's figures, history and override.
 * Reads go to the dispatch loop's snapshot and the leadership; changes go through
 * {@link io.sbs.control.PolicyService} and {@link io.sbs.admin.InstanceService}, which a standby refuses
 * (409 with the leader's identity). Every error is an RFC 9457 problem detail; invalid input is a 422
 * naming each bad field. docs/api.md describes each endpoint, docs/openapi.json is the machine-readable form.
 */
@NullMarked
package io.sbs.admin;

import org.jspecify.annotations.NullMarked;
