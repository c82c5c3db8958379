package io.sbs.state;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * The leader lease in Redis: one owner at a time, with an epoch that grows on every change of owner.
 * {@link #acquire} both takes a free lease and renews one already held; {@link #fencedHset} is how a
 * leader writes shared state, refused with {@link FencedException} unless the writer still holds the
 * lease at its epoch.
 *
 * <p>Keys: {@code sbs:{cluster}:lease} (hash, expires with the TTL) and {@code sbs:{cluster}:epoch}
 * (counter, never expires). The hash tag keeps every key of a cluster in one slot.
 */
public final class LeaderLease {

    /**
     * Who holds the lease after an acquire attempt.
     *
     * @param expiresInMs how long the lease lives without renewal, as Redis counts it
     */
    public record Holder(boolean mine, long epoch, String owner, long expiresInMs) {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final RedisScript<List<Object>> LEASE = (RedisScript) LuaScripts.plain("lease.lua", List.class);
    private static final RedisScript<Long> RELEASE = LuaScripts.plain("release.lua", Long.class);
    private static final RedisScript<Long> FENCED_HSET = LuaScripts.fenced("fenced-hset.lua", Long.class);

    private final ReactiveStringRedisTemplate redis;
    private final String nodeId;
    private final Duration ttl;
    private final String leaseKey;
    private final String epochKey;

    /**
     * @param cluster the cluster's name, the keys' hash tag
     * @param nodeId  this scheduler's identity, unique among replicas
     * @param ttl     how long the lease lives without renewal
     */
    public LeaderLease(ReactiveStringRedisTemplate redis, String cluster, String nodeId, Duration ttl) {
        this.redis = redis;
        this.nodeId = nodeId;
        this.ttl = ttl;
        this.leaseKey = key(cluster, "lease");
        this.epochKey = key(cluster, "epoch");
    }

    /** A key of {@code cluster}: {@code sbs:{cluster}:name}. */
    public static String key(String cluster, String name) {
        return "sbs:{" + cluster + "}:" + name;
    }

    public String nodeId() {
        return nodeId;
    }

    /** Takes the lease if it is free, renews it if this node holds it; either way says who holds it. */
    public Mono<Holder> acquire() {
        return redis.execute(LEASE, List.of(leaseKey, epochKey), List.of(nodeId, Long.toString(ttl.toMillis())))
                .next()
                .map(reply -> new Holder(((Number) reply.get(0)).longValue() == 1, ((Number) reply.get(1)).longValue(),
                        String.valueOf(reply.get(2)), ((Number) reply.get(3)).longValue()));
    }

    /** Gives the lease up if this node holds it at {@code epoch}; true when it did. */
    public Mono<Boolean> release(long epoch) {
        return redis.execute(RELEASE, List.of(leaseKey), List.of(nodeId, Long.toString(epoch))).next()
                .map(released -> released == 1);
    }

    /**
     * Sets fields of the hash {@code key}, only while this node holds the lease at {@code epoch}; fails with
     * {@link FencedException} otherwise.
     *
     * @param fieldsAndValues field, value, field, value, ...
     */
    public Mono<Long> fencedHset(long epoch, String key, String... fieldsAndValues) {
        if (fieldsAndValues.length == 0 || fieldsAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("fields and values come in pairs");
        }
        List<String> args = new ArrayList<>(2 + fieldsAndValues.length);
        args.add(nodeId);
        args.add(Long.toString(epoch));
        args.addAll(List.of(fieldsAndValues));
        return redis.execute(FENCED_HSET, List.of(leaseKey, key), args).next()
                .onErrorMap(e -> FencedException.isFenced(e) ? new FencedException(e) : e);
    }
}
