package io.sbs.state;

import io.sbs.core.SchedulingPolicy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Shared cluster state, as the active and the standby scheduler see it: for now the versioned scheduling
 * policy with its audit trail, and the buffer of accepted requests. Implementations: {@link InMemoryClusterStateStore} (the embedded default,
 * one node) and {@link RedisClusterStateStore}; one contract test runs against both.
 */
public interface ClusterStateStore {

    /** The current policy; empty before any was stored. */
    Mono<PolicyRecord> currentPolicy();

    /**
     * Replaces the policy if {@code expectedVersion} is still the current one (0 when none is stored yet),
     * recording the change in the audit trail. Fails with {@link VersionConflictException} otherwise, and,
     * where the store is shared, with {@link FencedException} unless {@code fence} holds the lease.
     */
    Mono<PolicyRecord> replacePolicy(SchedulingPolicy next, long expectedVersion, String actor, Fence fence);

    /** The audit trail, newest first, at most {@code limit} entries (the store keeps the last 1,000). */
    Flux<PolicyRecord> policyHistory(int limit);

    /**
     * Adds an accepted request to the shared buffer; any replica may, leader or not. Completes with its
     * entry id once stored, which is when the request counts as accepted.
     */
    Mono<String> accept(AcceptedRequest request);

    /**
     * The leader takes up to {@code count} buffered requests after entry {@code afterEntryId} ({@code "-"}
     * from the start) that nobody claimed at {@code fence}'s epoch, in acceptance order, and marks them
     * claimed at it. A new leader starting from {@code "-"} so re-drives what its predecessor claimed and
     * never finished, and each entry is claimed once per epoch.
     */
    Flux<AcceptedRequest.Entry> claimAccepted(Fence fence, String afterEntryId, int count);

    /** The request was answered or failed: it leaves the buffer. True when it was there. Fenced. */
    Mono<Boolean> finishAccepted(Fence fence, String entryId);

    /** Requests in the buffer, claimed or not. */
    Mono<Long> acceptedCount();
}
