package io.sbs.state;

import io.sbs.core.SchedulingPolicy;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The store of the embedded default: one node, nothing shared, so there is nobody to fence; versions and
 * the audit trail behave as in Redis.
 */
public final class InMemoryClusterStateStore implements ClusterStateStore {

    static final int HISTORY = 1_000;

    private final Clock clock;
    private final Deque<PolicyRecord> history = new ArrayDeque<>();
    private PolicyRecord current;

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
                current = new PolicyRecord(next, version + 1, actor, clock.millis());
                history.addFirst(current);
                while (history.size() > HISTORY) {
                    history.removeLast();
                }
                return current;
            }
        });
    }

    @Override
    public Flux<PolicyRecord> policyHistory(int limit) {
        List<PolicyRecord> copy;
        synchronized (this) {
            copy = history.stream().limit(limit).toList();
        }
        return Flux.fromIterable(copy);
    }
}
