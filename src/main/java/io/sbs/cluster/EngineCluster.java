package io.sbs.cluster;

import io.sbs.config.SbsProperties;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.LoadPolledEvent;
import io.sbs.core.Phase;
import io.sbs.core.UnitLoad;
import io.sbs.engine.EngineClient;
import io.sbs.engine.EngineLoad;
import io.sbs.engine.HttpEngineClient;
import io.sbs.engine.PrefixBlocks;
import io.sbs.engine.RankLoad;
import io.sbs.loop.DispatchLoop;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The engines the dispatcher talks to: the configured ones, or, when none are configured, the embedded
 * default ({@link EmbeddedEngines}, which the engine simulator provides), whose prefill servers' EndForward
 * reports come straight in. Instances may join and leave at run time (the admin API), and the cluster
 * polls the load of whichever are registered.
 */
public final class EngineCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EngineCluster.class);

    /**
     * One instance as the cluster state registers it.
     *
     * @param bootstrapHost    where decode servers fetch this prefill instance's KV (P/D); its URL's host
     * @param cacheBlockTokens tokens per prefix block (prefill)
     * @param cacheBlocks      blocks the dispatcher's view of each rank's prefix cache holds (prefill; 0: none)
     */
    public record Member(String id, Phase phase, int dpUnits, int chunkTokens, long kvCapacityTokens,
            String bootstrapHost, int bootstrapPort, EngineClient client, int cacheBlockTokens, int cacheBlocks) {
    }

    private final List<Member> members = new CopyOnWriteArrayList<>();
    /**
     * Every member ever registered, by id: a removed instance stays here, so requests decided for it just
     * before its removal still reach its engine; registering the id again replaces it.
     */
    private final Map<String, Member> byId = new ConcurrentHashMap<>();
    private final Map<String, EngineClient> clients = new ConcurrentHashMap<>();
    private final Map<String, Disposable> polls = new ConcurrentHashMap<>();
    private final List<AutoCloseable> embedded = new ArrayList<>();
    private final AtomicReference<Consumer<ForwardEndedEvent>> endForward = new AtomicReference<>(e -> { });
    private final Duration engineTimeout;
    private final InstanceUrls urls;
    private @Nullable Function<Member, Disposable> poller;
    private static final Duration KNOWN_POLL = Duration.ofMillis(20);
    private volatile Runnable unknownInstance = () -> { };
    private final int cacheBlockTokens;

    /**
     * The configured engines, or, when {@code sbs.instances} is empty, those {@code embeddedEngines} starts
     * (null when no embedded cluster is available: then instances must be configured).
     */
    public EngineCluster(SbsProperties properties, @Nullable EmbeddedEngines embeddedEngines) {
        this.engineTimeout = properties.engineTimeout();
        this.urls = new InstanceUrls(properties.instanceNetworks());
        if (properties.instances().isEmpty()) {
            if (embeddedEngines == null) {
                throw new IllegalStateException("sbs.instances is empty and no embedded simulated cluster is on "
                        + "the class path");
            }
            EmbeddedEngines.Started started = embeddedEngines.start(properties, e -> endForward.get().accept(e));
            embedded.addAll(started.servers());
            started.members().forEach(this::register);
        } else {
            for (SbsProperties.Instance i : properties.instances()) {
                String problem = urls.problem(i.url());
                if (problem != null) {
                    throw new IllegalArgumentException("sbs.instances[" + i.id() + "].url " + problem);
                }
                register(member(i));
            }
        }
        this.cacheBlockTokens = agreedBlockTokens(members);
    }

    /** The one prefix block size of the prefill instances: a request is hashed once, for whichever unit. */
    private static int agreedBlockTokens(List<Member> members) {
        int tokens = 0;
        for (Member m : members) {
            if (m.phase() != Phase.PREFILL) {
                continue;
            }
            if (tokens != 0 && m.cacheBlockTokens() != tokens) {
                throw new IllegalArgumentException("sbs.instances[" + m.id() + "].cache-block-tokens is "
                        + m.cacheBlockTokens() + " where another prefill instance has " + tokens
                        + ": every prefill instance must hash requests in blocks of one size");
            }
            tokens = m.cacheBlockTokens();
        }
        return tokens == 0 ? PrefixBlocks.DEFAULT_BLOCK_TOKENS : tokens;
    }

    /**
     * Tokens per prefix block, as the prefill instances were configured at start; the ingress hashes every
     * request in blocks of this size. Instances registered later are viewed in blocks of it too.
     */
    public int cacheBlockTokens() {
        return cacheBlockTokens;
    }

    private Member member(SbsProperties.Instance i) {
        EngineClient client = switch (i.kind()) {
            case "sglang" -> HttpEngineClient.sglang(i.id(), i.url(), engineTimeout);
            case "vllm" -> HttpEngineClient.vllm(i.id(), i.url(), engineTimeout);
            default -> throw new IllegalArgumentException("sbs.instances[" + i.id() + "].kind must be sglang or vllm");
        };
        Phase phase = i.role().equals("decode") ? Phase.DECODE : Phase.PREFILL;
        return new Member(i.id(), phase, i.dpUnits(), i.chunkTokens(), i.kvCapacityTokens(),
                URI.create(i.url()).getHost(), i.bootstrapPort(), client, i.cacheBlockTokens(),
                phase == Phase.PREFILL ? PrefixBlocks.viewBlocks(i.kvCapacityTokens(), i.cacheBlockTokens()) : 0);
    }

    private synchronized void register(Member m) {
        members.add(m);
        byId.put(m.id(), m);
        clients.put(m.id(), m.client());
        if (poller != null) {
            polls.put(m.id(), poller.apply(m));
        }
    }

    /**
     * Why {@code url} may not name an engine here ({@link InstanceUrls}); null when it may. Resolves the
     * host: not on an event loop.
     */
    public @Nullable String urlProblem(String url) {
        return urls.problem(url);
    }

    /** The registered instances, in registration order. */
    public List<Member> members() {
        return Collections.unmodifiableList(members);
    }

    public boolean contains(String id) {
        return members.stream().anyMatch(m -> m.id().equals(id));
    }

    /** The DP units of the registered instance {@code id}; -1 when none is registered under that id. */
    public int dpUnitsOf(String id) {
        for (Member m : members) {
            if (m.id().equals(id)) {
                return m.dpUnits();
            }
        }
        return -1;
    }

    /** The member named {@code id}; also one removed, for the requests decided before its removal. */
    public Member member(String id) {
        Member m = byId.get(id);
        if (m == null) {
            throw new IllegalArgumentException("unknown instance: " + id);
        }
        return m;
    }

    /** Engine clients by instance id: a live view, which instances registered later join. */
    public Map<String, EngineClient> clients() {
        return Collections.unmodifiableMap(clients);
    }

    /**
     * Registers an engine at run time (the admin API): its client, and its load polling once polling runs.
     * Fails with {@link IllegalArgumentException} when the id is registered already. Register it with the
     * dispatch loop afterwards, so that no decision names an instance without a client.
     */
    public synchronized Member add(SbsProperties.Instance instance) {
        if (contains(instance.id())) {
            throw new IllegalArgumentException("instance already registered: " + instance.id());
        }
        String problem = urls.problem(instance.url());
        if (problem != null) {
            throw new IllegalArgumentException("the url of instance " + instance.id() + " " + problem);
        }
        Member m = member(instance);
        register(m);
        return m;
    }

    /**
     * Registers again an instance removed earlier, with the client it had (a configured one, whose removal
     * the operators' stored state no longer holds). Fails with {@link IllegalArgumentException} when the id
     * was never registered, and returns the member unchanged when it is registered now.
     */
    public synchronized Member restore(String id) {
        Member m = member(id);
        if (!contains(id)) {
            register(m);
        }
        return m;
    }

    /**
     * Completes once a client for {@code id} is registered here (at once when it is), asking whoever follows
     * the stored instance changes ({@link #onUnknownInstance}) to look now; fails with
     * {@link IllegalArgumentException} after {@code within}.
     */
    public Mono<Void> known(String id, Duration within) {
        return Mono.defer(() -> {
            if (clients.containsKey(id)) {
                return Mono.empty();
            }
            unknownInstance.run();
            return Flux.interval(KNOWN_POLL).filter(t -> clients.containsKey(id)).next().then()
                    .timeout(within, Mono.error(() -> new UnknownInstanceException(id)));
        });
    }

    /** What {@link #known} calls when asked about an instance this node has no client for. */
    public void onUnknownInstance(Runnable look) {
        unknownInstance = look;
    }

    /** Removes an instance (after the dispatch loop has) and stops polling it. False when unknown. */
    public synchronized boolean remove(String id) {
        boolean removed = members.removeIf(m -> m.id().equals(id));
        Disposable poll = polls.remove(id);
        if (poll != null) {
            poll.dispose();
        }
        return removed;
    }

    /**
     * Polls every instance's load every {@code period}, those registered later too, and hands it to the
     * loop: a prefill instance's load is the quiescence signal of the triple check; a decode instance's is
     * its batch and KV per rank (SGLang's {@code num_tokens}, or vLLM's KV usage times the capacity).
     * Disposing the answer stops all polling.
     */
    public synchronized Disposable pollLoads(DispatchLoop loop, Duration period) {
        poller = m -> Flux.interval(period)
                .onBackpressureDrop()
                .concatMap(tick -> {
                    long sampledAt = loop.now();
                    return m.client().load()
                            .doOnNext(load -> report(loop, m, load, sampledAt, period))
                            .onErrorComplete();
                })
                .subscribe();
        members.forEach(m -> polls.put(m.id(), poller.apply(m)));
        return this::stopPolling;
    }

    private synchronized void stopPolling() {
        poller = null;
        polls.values().forEach(Disposable::dispose);
        polls.clear();
    }

    private static void report(DispatchLoop loop, Member m, EngineLoad load, long sampledAt, Duration period) {
        if (m.phase() == Phase.PREFILL) {
            UnitLoad[] units = UnitLoad.idle(m.dpUnits());
            for (RankLoad r : load.ranks()) {
                if (r.dpRank() < units.length) {
                    units[r.dpRank()] = new UnitLoad(r.runningRequests(), r.waitingRequests(), r.pendingTokens());
                }
            }
            loop.onLoadPolled(new LoadPolledEvent(m.id(), sampledAt, period.toNanos(), units));
            return;
        }
        int[] batch = new int[m.dpUnits()];
        long[] kv = new long[m.dpUnits()];
        for (RankLoad r : load.ranks()) {
            if (r.dpRank() < batch.length) {
                batch[r.dpRank()] = r.runningRequests() + r.waitingRequests();
                kv[r.dpRank()] = r.tokens() >= 0 ? r.tokens()
                        : r.kvUsage() >= 0 && m.kvCapacityTokens() != Long.MAX_VALUE ? (long) (r.kvUsage() * m.kvCapacityTokens())
                        : 0;
            }
        }
        loop.onDecodeLoadPolled(m.id(), batch, kv, sampledAt);
    }

    /** Where the embedded engines' EndForward reports go (their end time is stamped by the receiver). */
    public void onEndForward(Consumer<ForwardEndedEvent> sink) {
        endForward.set(sink);
    }

    @Override
    public void close() {
        stopPolling();
        for (AutoCloseable server : embedded) {
            try {
                server.close();
            } catch (Exception e) {
                log.warn("stopping an embedded engine failed: {}", e.toString());
            }
        }
    }
}
