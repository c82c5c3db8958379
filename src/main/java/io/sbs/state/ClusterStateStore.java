package io.sbs.state;

import io.sbs.core.SchedulingPolicy;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Shared cluster state, as the active and the standby scheduler see it: the versioned scheduling policy
 * with its audit trail, the buffer of accepted requests with the leader's assignments of them, notices
 * from nodes to the leader, and which nodes are alive. Implementations: {@link InMemoryClusterStateStore} (the embedded default,
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

    /** Buffered requests after {@code afterEntryId} ({@code "-"} from the start), without claiming them. */
    Flux<AcceptedRequest.Entry> peekAccepted(String afterEntryId, int count);

    /**
     * The leader assigns a claimed entry to DP units: the assignment is stored with the entry and published
     * to the node that accepted it, which calls the engines. False when the entry is gone (its client left).
     * Fenced.
     */
    Mono<Boolean> assign(Fence fence, String entryId, String acceptedBy, String assignment);

    /** Whether the entry is still in the buffer (the leader drops entries of nodes it believes dead). */
    Mono<Boolean> buffered(String entryId);

    /** An entry's stored assignment, for a node that may have missed its notice; empty when none. */
    Mono<String> assignment(String entryId);

    /**
     * Assignments published to {@code nodeId}, as they come. At most once: one published while the
     * subscription reconnects is missed, which is why {@link #assignment} exists.
     */
    Flux<String> assignments(String nodeId);

    /**
     * The node that accepted an entry is done with it (answered, failed or its client left): it leaves the
     * buffer with its claim and assignment. Not fenced: the accepting node owns its entry, leader or not.
     */
    Mono<Boolean> release(String entryId);

    /** A notice to whichever node leads (that a prefill is done, say). At most once, like any pub/sub. */
    Mono<Void> noticeLeader(String notice);

    /** Notices sent to the leader, as they come. */
    Flux<String> leaderNotices();

    /** This node is alive for {@code ttl} more. */
    Mono<Void> heartbeat(String nodeId, Duration ttl);

    /** Whether {@code nodeId}'s last heartbeat is still fresh. */
    Mono<Boolean> alive(String nodeId);

    /**
     * The leader publishes its view of the cluster (DP-unit state vectors, instance readiness and watchdog
     * state, {@code Δ}, {@code T̄_fwd}, {@code N}) as JSON, and appends {@code sample} (a few figures, not
     * the units) to the interval history, which keeps the last {@code historyLength}. Fenced.
     */
    Mono<Void> publishView(Fence fence, String view, String sample, int historyLength);

    /** The leader's last published view; empty before the first. */
    Mono<String> leaderView();

    /** The interval history's samples, newest first, at most {@code limit}. */
    Flux<String> intervalHistory(int limit);

    /** The operators' instance changes ({@link OperatorState}); empty before the first is stored. */
    Mono<OperatorState> operatorState();

    /**
     * Stores {@code next} as version {@code expectedVersion + 1} if {@code expectedVersion} is still the
     * current one (0 when none is stored yet), stamped with the time and {@code fence}'s epoch, and records
     * it in the audit trail. Fails like {@link #replacePolicy}: {@link VersionConflictException}, and where
     * the store is shared {@link FencedException}.
     */
    Mono<OperatorState> replaceOperatorState(OperatorState next, long expectedVersion, Fence fence);

    /** The operators' instance changes, newest first, at most {@code limit} (the store keeps the last 1,000). */
    Flux<OperatorState> operatorHistory(int limit);
}
