package io.sbs.state;

import io.sbs.core.SchedulingPolicy;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The store of the embedded default: one node, nothing shared, so there is nobody to fence (a single
 * node keeps one epoch, 1 or more, and claims still count per epoch, as in Redis); versions, the audit trail
 * and the buffer behave as in Redis.
 */
public final class InMemoryClusterStateStore implements ClusterStateStore {

    static final int HISTORY = 1_000;

    private final Clock clock;
    private final Deque<PolicyRecord> history = new ArrayDeque<>();
    private PolicyRecord current;
    private final TreeMap<Long, Slot> accepted = new TreeMap<>();
    private long nextEntry = 1;

    public InMemoryClusterStateStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Mono<PolicyRecord> currentPolicy() {
        return Mono.justOrEmpty(current);
    }

    @Override
    public Mono<PolicyRecord> replacePolicy(SchedulingPolicy next, long expectedVersion, String actor, Fence fence) {
        return Mono.fromCallable(() -> {
            synchronized (this) {
                long version = current == null ? 0 : current.version();
                if (version != expectedVersion) {
                    throw new VersionConflictException(expectedVersion, version);
                }
                current = new PolicyRecord(next, version + 1, actor, clock.millis(), fence.epoch());
                history.addFirst(current);
                while (history.size() > HISTORY) {
                    history.removeLast();
                }
                return current;
            }
        });
    }

    @Override
    public synchronized Mono<String> accept(AcceptedRequest request) {
        long id = nextEntry++;
        accepted.put(id, new Slot(request));
        return Mono.just(Long.toString(id));
    }

    @Override
    public Flux<AcceptedRequest.Entry> claimAccepted(Fence fence, String afterEntryId, int count) {
        List<AcceptedRequest.Entry> out = new ArrayList<>();
        synchronized (this) {
            long after = afterEntryId.equals("-") ? 0 : Long.parseLong(afterEntryId);
            for (Map.Entry<Long, Slot> e : accepted.tailMap(after, false).entrySet()) {
                if (out.size() == count) {
                    break;
                }
                if (e.getValue().claimedAt < fence.epoch()) {
                    e.getValue().claimedAt = fence.epoch();
                    out.add(new AcceptedRequest.Entry(Long.toString(e.getKey()), e.getValue().request));
                }
            }
        }
        return Flux.fromIterable(out);
    }

    @Override
    public synchronized Mono<Boolean> finishAccepted(Fence fence, String entryId) {
        return Mono.just(accepted.remove(Long.parseLong(entryId)) != null);
    }

    @Override
    public synchronized Mono<Long> acceptedCount() {
        return Mono.just((long) accepted.size());
    }

    @Override
    public Flux<PolicyRecord> policyHistory(int limit) {
        List<PolicyRecord> copy;
        synchronized (this) {
            copy = history.stream().limit(limit).toList();
        }
        return Flux.fromIterable(copy);
    }

    /** A buffered request and the epoch it was last claimed at (0 for never). */
    private static final class Slot {
        final AcceptedRequest request;
        long claimedAt;

        Slot(AcceptedRequest request) {
            this.request = request;
        }
    }
}
