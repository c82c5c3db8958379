package io.sbs.state;

import io.sbs.core.SchedulingPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

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
    /** Published notices: to a node (assignments), or to the leader ({@code to} null); at most once, as in Redis. */
    private final Sinks.Many<Notice> notices = Sinks.many().multicast().directBestEffort();
    private final Map<String, Long> alive = new ConcurrentHashMap<>();
    private final Deque<String> samples = new ArrayDeque<>();
    private @Nullable String view;

    private void emit(Notice notice) {
        // several threads publish; the sink wants one at a time, as Redis serializes PUBLISH
        notices.emitNext(notice, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
    }

    private record Notice(@Nullable String to, String text) {
    }

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
        return entries(afterEntryId, count, slot -> {
            if (slot.claimedAt >= fence.epoch()) {
                return false;
            }
            slot.claimedAt = fence.epoch();
            return true;
        });
    }

    /** Up to {@code count} entries after {@code afterEntryId} that {@code take} accepts, in order. */
    private Flux<AcceptedRequest.Entry> entries(String afterEntryId, int count, Predicate<Slot> take) {
        List<AcceptedRequest.Entry> out = new ArrayList<>();
        synchronized (this) {
            long after = afterEntryId.equals("-") ? 0 : Long.parseLong(afterEntryId);
            for (Map.Entry<Long, Slot> e : accepted.tailMap(after, false).entrySet()) {
                if (out.size() == count) {
                    break;
                }
                if (take.test(e.getValue())) {
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
    public Flux<AcceptedRequest.Entry> peekAccepted(String afterEntryId, int count) {
        return entries(afterEntryId, count, slot -> true);
    }

    @Override
    public Mono<Boolean> assign(Fence fence, String entryId, String acceptedBy, String assignment) {
        return Mono.fromCallable(() -> {
            synchronized (this) {
                Slot slot = accepted.get(Long.parseLong(entryId));
                if (slot == null) {
                    return false;
                }
                slot.assignment = assignment;
            }
            emit(new Notice(acceptedBy, assignment));
            return true;
        });
    }

    @Override
    public synchronized Mono<Boolean> buffered(String entryId) {
        return Mono.just(accepted.containsKey(Long.parseLong(entryId)));
    }

    @Override
    public synchronized Mono<String> assignment(String entryId) {
        Slot slot = accepted.get(Long.parseLong(entryId));
        return Mono.justOrEmpty(slot == null ? null : slot.assignment);
    }

    @Override
    public Flux<String> assignments(String nodeId) {
        return notices.asFlux().filter(n -> nodeId.equals(n.to())).map(Notice::text);
    }

    @Override
    public synchronized Mono<Boolean> release(String entryId) {
        return Mono.just(accepted.remove(Long.parseLong(entryId)) != null);
    }

    @Override
    public Mono<Void> noticeLeader(String notice) {
        return Mono.fromRunnable(() -> emit(new Notice(null, notice)));
    }

    @Override
    public Flux<String> leaderNotices() {
        return notices.asFlux().filter(n -> n.to() == null).map(Notice::text);
    }

    @Override
    public Mono<Void> heartbeat(String nodeId, Duration ttl) {
        // a TTL is a duration: the monotonic clock, as Redis's own expiry does not follow wall-clock jumps
        return Mono.fromRunnable(() -> alive.put(nodeId, System.nanoTime() + ttl.toNanos()));
    }

    @Override
    public Mono<Boolean> alive(String nodeId) {
        return Mono.fromCallable(() -> {
            Long until = alive.get(nodeId);
            return until != null && until - System.nanoTime() > 0;
        });
    }

    @Override
    public Mono<Void> publishView(Fence fence, String view, String sample, int historyLength) {
        return Mono.fromRunnable(() -> {
            synchronized (samples) {
                this.view = view;
                samples.addFirst(sample);
                while (samples.size() > historyLength) {
                    samples.removeLast();
                }
            }
        });
    }

    @Override
    public Mono<String> leaderView() {
        synchronized (samples) {
            return Mono.justOrEmpty(view);
        }
    }

    @Override
    public Flux<String> intervalHistory(int limit) {
        synchronized (samples) {
            return Flux.fromIterable(samples.stream().limit(limit).toList());
        }
    }

    @Override
    public Flux<PolicyRecord> policyHistory(int limit) {
        List<PolicyRecord> copy;
        synchronized (this) {
            copy = history.stream().limit(limit).toList();
        }
        return Flux.fromIterable(copy);
    }

    private final Deque<OperatorState> operatorHistory = new ArrayDeque<>();

    @Override
    public synchronized Mono<OperatorState> operatorState() {
        return Mono.justOrEmpty(operatorHistory.peekFirst());
    }

    @Override
    public Mono<OperatorState> replaceOperatorState(OperatorState next, long expectedVersion, Fence fence) {
        return Mono.fromCallable(() -> {
            synchronized (this) {
                OperatorState now = operatorHistory.peekFirst();
                long version = now == null ? 0 : now.version();
                if (version != expectedVersion) {
                    throw new VersionConflictException(expectedVersion, version);
                }
                OperatorState stored = next.stored(version + 1, clock.millis(), fence.epoch());
                operatorHistory.addFirst(stored);
                while (operatorHistory.size() > HISTORY) {
                    operatorHistory.removeLast();
                }
                return stored;
            }
        });
    }

    @Override
    public Flux<OperatorState> operatorHistory(int limit) {
        List<OperatorState> copy;
        synchronized (this) {
            copy = operatorHistory.stream().limit(limit).toList();
        }
        return Flux.fromIterable(copy);
    }

    /** A buffered request and the epoch it was last claimed at (0 for never). */
    private static final class Slot {
        final AcceptedRequest request;
        long claimedAt;
        String assignment;

        Slot(AcceptedRequest request) {
            this.request = request;
        }
    }
}
