package io.sbs.state;

import io.sbs.core.SchedulingPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.IntegerOutput;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnection;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shared store in Redis. Every write is a Lua script that checks the writer's {@link Fence} against
 * the lease first, so a deposed leader's late write is refused ({@link FencedException}) however it got
 * delayed. Keys share the cluster's hash tag ({@link LeaderLease#key}).
 */
public final class RedisClusterStateStore implements ClusterStateStore {

    private static final RedisScript<Long> REPLACE_POLICY = LuaScripts.fenced("policy-replace.lua", Long.class);
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final RedisScript<List<Object>> CLAIM = (RedisScript) LuaScripts.fenced("accepted-claim.lua",
            List.class);
    private static final RedisScript<Long> FINISH = LuaScripts.fenced("accepted-finish.lua", Long.class);
    private static final RedisScript<Long> ASSIGN = LuaScripts.fenced("accepted-assign.lua", Long.class);
    private static final RedisScript<Long> RELEASE = LuaScripts.plain("accepted-release.lua", Long.class);
    private static final RedisScript<Long> PUBLISH_VIEW = LuaScripts.fenced("view-publish.lua", Long.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ReactiveStringRedisTemplate redis;
    private final Clock clock;
    private final String lease;
    private final String policy;
    private final String policyVersion;
    private final String policyHistory;
    private final String acceptedStream;
    private final String claims;
    private final String assignments;
    private final String cluster;
    private final int waitReplicas;
    private final Duration waitTimeout;
    private final AtomicLong unreplicated = new AtomicLong();
    private final @Nullable StringRedisTemplate replicated;

    public RedisClusterStateStore(ReactiveStringRedisTemplate redis, String cluster, Clock clock) {
        this(redis, cluster, clock, null, 0, Duration.ZERO);
    }

    /**
     * @param blocking     the same server's blocking connections, for {@code WAIT} (null when
     *                     {@code waitReplicas} is 0)
     * @param waitReplicas replicas that must hold an accepted request before {@link #accept} completes
     *                     (Redis {@code WAIT}); 0 completes on the master's write
     * @param waitTimeout  how long {@code WAIT} waits; when fewer replicas acknowledge in time the request is
     *                     accepted anyway and counted in {@link #unreplicatedAccepts()}
     */
    public RedisClusterStateStore(ReactiveStringRedisTemplate redis, String cluster, Clock clock,
            @Nullable RedisConnectionFactory blocking, int waitReplicas, Duration waitTimeout) {
        this.replicated = waitReplicas > 0 ? new StringRedisTemplate(Objects.requireNonNull(blocking,
                "WAIT needs the blocking connection factory")) : null;
        this.waitReplicas = waitReplicas;
        this.waitTimeout = waitTimeout;
        this.redis = redis;
        this.clock = clock;
        this.lease = LeaderLease.key(cluster, "lease");
        this.policy = LeaderLease.key(cluster, "policy");
        this.policyVersion = LeaderLease.key(cluster, "policy-version");
        this.policyHistory = LeaderLease.key(cluster, "policy-history");
        this.acceptedStream = LeaderLease.key(cluster, "accepted");
        this.claims = LeaderLease.key(cluster, "accepted-claims");
        this.assignments = LeaderLease.key(cluster, "accepted-assignments");
        this.cluster = cluster;
    }

    @Override
    public Mono<PolicyRecord> currentPolicy() {
        return redis.opsForValue().get(policy).map(RedisClusterStateStore::read);
    }

    @Override
    public Mono<PolicyRecord> replacePolicy(SchedulingPolicy next, long expectedVersion, String actor, Fence fence) {
        PolicyRecord record = new PolicyRecord(next, expectedVersion + 1, actor, clock.millis(), fence.epoch());
        return redis.execute(REPLACE_POLICY, List.of(lease, policy, policyVersion, policyHistory),
                        List.of(fence.nodeId(), Long.toString(fence.epoch()), Long.toString(expectedVersion),
                                JSON.writeValueAsString(record), Integer.toString(InMemoryClusterStateStore.HISTORY)))
                .next()
                .thenReturn(record)
                .onErrorMap(e -> translate(e, expectedVersion));
    }

    @Override
    public Flux<PolicyRecord> policyHistory(int limit) {
        // whole, for the reason given in peekAccepted
        return redis.opsForList().range(policyHistory, 0, limit - 1L).map(RedisClusterStateStore::read)
                .collectList().flatMapIterable(records -> records);
    }

    @Override
    public Mono<String> accept(AcceptedRequest request) {
        String json = JSON.writeValueAsString(request);
        if (replicated == null) {
            return redis.opsForStream().add(acceptedStream, Map.of("request", json)).map(RecordId::getValue);
        }
        // WAIT counts the writes its own connection sent before it, so both go on one connection; Spring's
        // reactive API has no WAIT, hence the blocking one, off the event loops
        return Mono.fromCallable(() -> replicated.execute((RedisCallback<String>) c -> {
            RecordId id = c.streamCommands().xAdd(MapRecord.create(acceptedStream.getBytes(StandardCharsets.UTF_8),
                    Map.of("request".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8))));
            Object acked = ((LettuceConnection) c).execute("WAIT", new IntegerOutput<>(ByteArrayCodec.INSTANCE),
                    Integer.toString(waitReplicas).getBytes(StandardCharsets.UTF_8),
                    Long.toString(waitTimeout.toMillis()).getBytes(StandardCharsets.UTF_8));
            if (!(acked instanceof Number n) || n.intValue() < waitReplicas) {
                unreplicated.incrementAndGet();
            }
            return id.getValue();
        }, true)).subscribeOn(Schedulers.boundedElastic());
    }

    /** Accepted requests fewer than {@code waitReplicas} replicas acknowledged in time. */
    public long unreplicatedAccepts() {
        return unreplicated.get();
    }

    @Override
    public Flux<AcceptedRequest.Entry> claimAccepted(Fence fence, String afterEntryId, int count) {
        return redis.execute(CLAIM, List.of(lease, acceptedStream, claims),
                        List.of(fence.nodeId(), Long.toString(fence.epoch()), afterEntryId, Integer.toString(count)))
                .next()
                .flatMapMany(flat -> {
                    List<AcceptedRequest.Entry> out = new ArrayList<>(flat.size() / 2);
                    for (int i = 0; i + 1 < flat.size(); i += 2) {
                        out.add(new AcceptedRequest.Entry(String.valueOf(flat.get(i)),
                                JSON.readValue(String.valueOf(flat.get(i + 1)), AcceptedRequest.class)));
                    }
                    return Flux.fromIterable(out);
                })
                .onErrorMap(e -> FencedException.isFenced(e) ? new FencedException(e) : e);
    }

    @Override
    public Mono<Boolean> finishAccepted(Fence fence, String entryId) {
        return redis.execute(FINISH, List.of(lease, acceptedStream, claims, assignments),
                        List.of(fence.nodeId(), Long.toString(fence.epoch()), entryId))
                .next().map(removed -> removed == 1)
                .onErrorMap(e -> FencedException.isFenced(e) ? new FencedException(e) : e);
    }

    @Override
    public Mono<Long> acceptedCount() {
        return redis.opsForStream().size(acceptedStream);
    }

    @Override
    public Flux<AcceptedRequest.Entry> peekAccepted(String afterEntryId, int count) {
        Range<String> range = afterEntryId.equals("-") ? Range.unbounded()
                : Range.of(Range.Bound.exclusive(afterEntryId), Range.Bound.unbounded());
        // read to the end before handing out: Lettuce stops reading the shared connection while a reply
        // waits for demand, so a caller issuing commands per element would wait on itself until a timeout
        return redis.opsForStream().range(acceptedStream, range, Limit.limit().count(count))
                .map(r -> new AcceptedRequest.Entry(r.getId().getValue(),
                        JSON.readValue(String.valueOf(r.getValue().get("request")), AcceptedRequest.class)))
                .collectList().flatMapIterable(entries -> entries);
    }

    @Override
    public Mono<Boolean> assign(Fence fence, String entryId, String acceptedBy, String assignment) {
        return redis.execute(ASSIGN, List.of(lease, acceptedStream, assignments),
                        List.of(fence.nodeId(), Long.toString(fence.epoch()), entryId, channel(acceptedBy), assignment))
                .next().map(assigned -> assigned == 1)
                .onErrorMap(e -> FencedException.isFenced(e) ? new FencedException(e) : e);
    }

    @Override
    public Mono<Boolean> buffered(String entryId) {
        return redis.opsForStream().range(acceptedStream, Range.closed(entryId, entryId)).hasElements();
    }

    @Override
    public Mono<String> assignment(String entryId) {
        return redis.<String, String>opsForHash().get(assignments, entryId);
    }

    @Override
    public Flux<String> assignments(String nodeId) {
        return redis.listenToChannel(channel(nodeId)).map(m -> m.getMessage());
    }

    @Override
    public Mono<Boolean> release(String entryId) {
        return redis.execute(RELEASE, List.of(acceptedStream, claims, assignments), List.of(entryId)).next()
                .map(removed -> removed == 1);
    }

    @Override
    public Mono<Void> noticeLeader(String notice) {
        return redis.convertAndSend(LeaderLease.key(cluster, "leader-notices"), notice).then();
    }

    @Override
    public Flux<String> leaderNotices() {
        return redis.listenToChannel(LeaderLease.key(cluster, "leader-notices")).map(m -> m.getMessage());
    }

    @Override
    public Mono<Void> heartbeat(String nodeId, Duration ttl) {
        return redis.opsForValue().set(LeaderLease.key(cluster, "node:" + nodeId), "1", ttl).then();
    }

    @Override
    public Mono<Boolean> alive(String nodeId) {
        return redis.hasKey(LeaderLease.key(cluster, "node:" + nodeId));
    }

    @Override
    public Mono<Void> publishView(Fence fence, String view, String sample, int historyLength) {
        return redis.execute(PUBLISH_VIEW, List.of(lease, LeaderLease.key(cluster, "view"),
                        LeaderLease.key(cluster, "interval-history")),
                        List.of(fence.nodeId(), Long.toString(fence.epoch()), view, sample,
                                Integer.toString(historyLength)))
                .then()
                .onErrorMap(e -> FencedException.isFenced(e) ? new FencedException(e) : e);
    }

    @Override
    public Mono<String> leaderView() {
        return redis.opsForValue().get(LeaderLease.key(cluster, "view"));
    }

    @Override
    public Flux<String> intervalHistory(int limit) {
        // whole, for the reason given in peekAccepted
        return redis.opsForList().range(LeaderLease.key(cluster, "interval-history"), 0, limit - 1L)
                .collectList().flatMapIterable(views -> views);
    }

    private static final RedisScript<Long> REPLACE_OPERATOR_STATE = LuaScripts.fenced("operator-replace.lua",
            Long.class);

    @Override
    public Mono<OperatorState> operatorState() {
        return redis.opsForValue().get(LeaderLease.key(cluster, "operator-state"))
                .map(json -> JSON.readValue(json, OperatorState.class));
    }

    @Override
    public Mono<OperatorState> replaceOperatorState(OperatorState next, long expectedVersion, Fence fence) {
        OperatorState stored = next.stored(expectedVersion + 1, clock.millis(), fence.epoch());
        return redis.execute(REPLACE_OPERATOR_STATE, List.of(lease, LeaderLease.key(cluster, "operator-state"),
                                LeaderLease.key(cluster, "operator-state-version"),
                                LeaderLease.key(cluster, "operator-history")),
                        List.of(fence.nodeId(), Long.toString(fence.epoch()), Long.toString(expectedVersion),
                                JSON.writeValueAsString(stored), Integer.toString(InMemoryClusterStateStore.HISTORY)))
                .next()
                .thenReturn(stored)
                .onErrorMap(e -> translate(e, expectedVersion));
    }

    @Override
    public Flux<OperatorState> operatorHistory(int limit) {
        // whole, for the reason given in peekAccepted
        return redis.opsForList().range(LeaderLease.key(cluster, "operator-history"), 0, limit - 1L)
                .map(json -> JSON.readValue(json, OperatorState.class))
                .collectList().flatMapIterable(states -> states);
    }

    private String channel(String nodeId) {
        return LeaderLease.key(cluster, "assignments:" + nodeId);
    }

    private static PolicyRecord read(String json) {
        return JSON.readValue(json, PolicyRecord.class);
    }

    private static Throwable translate(Throwable e, long expectedVersion) {
        if (FencedException.isFenced(e)) {
            return new FencedException(e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            int at = m == null ? -1 : m.indexOf("CONFLICT ");
            if (at >= 0) {
                String rest = m.substring(at + "CONFLICT ".length()).trim().split("\\s")[0];
                return new VersionConflictException(expectedVersion, Long.parseLong(rest));
            }
        }
        return e;
    }
}
