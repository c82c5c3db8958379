package io.sbs.state;

import io.sbs.core.SchedulingPolicy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
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
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ReactiveStringRedisTemplate redis;
    private final Clock clock;
    private final String lease;
    private final String policy;
    private final String policyVersion;
    private final String policyHistory;
    private final String acceptedStream;
    private final String claims;

    public RedisClusterStateStore(ReactiveStringRedisTemplate redis, String cluster, Clock clock) {
        this.redis = redis;
        this.clock = clock;
        this.lease = LeaderLease.key(cluster, "lease");
        this.policy = LeaderLease.key(cluster, "policy");
        this.policyVersion = LeaderLease.key(cluster, "policy-version");
        this.policyHistory = LeaderLease.key(cluster, "policy-history");
        this.acceptedStream = LeaderLease.key(cluster, "accepted");
        this.claims = LeaderLease.key(cluster, "accepted-claims");
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
        return redis.opsForList().range(policyHistory, 0, limit - 1L).map(RedisClusterStateStore::read);
    }

    @Override
    public Mono<String> accept(AcceptedRequest request) {
        return redis.opsForStream().add(acceptedStream, Map.of("request", JSON.writeValueAsString(request)))
                .map(RecordId::getValue);
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
        return redis.execute(FINISH, List.of(lease, acceptedStream, claims),
                        List.of(fence.nodeId(), Long.toString(fence.epoch()), entryId))
                .next().map(removed -> removed == 1)
                .onErrorMap(e -> FencedException.isFenced(e) ? new FencedException(e) : e);
    }

    @Override
    public Mono<Long> acceptedCount() {
        return redis.opsForStream().size(acceptedStream);
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
