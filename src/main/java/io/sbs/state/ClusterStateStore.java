package io.sbs.state;

import io.sbs.core.SchedulingPolicy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Shared cluster state, as the active and the standby scheduler see it: for now the versioned scheduling
 * policy and its audit trail. Implementations: {@link InMemoryClusterStateStore} (the embedded default,
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
}
