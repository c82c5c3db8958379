package io.sbs.control;

import io.sbs.core.DpUnitId;
import io.sbs.core.InferenceRequest;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import io.sbs.state.Fence;
import io.sbs.state.FencedException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The deciding side of shared admission, active on the node that leads: it claims what is buffered,
 * decides other nodes' requests in its loop and publishes the assignments (fenced writes), holds each
 * decision's DP unit until the accepting node says its prefill is done, and sweeps what dead nodes left.
 * A new term claims the whole buffer again from the start; stepping down frees what it held.
 */
final class DecidingSide {

    private static final int CLAIM_BATCH = 256;

    /** A decision for another node's request, held until it says its prefill is done. */
    private record Remote(DpUnitId unit, long requestId, int promptTokens, long epoch, long decidedAtNanos) {
    }

    private final SharedContext shared;
    private final AcceptingSide accepting;
    private final Duration decisionTimeout;
    /** What this node, as leader, decided for other nodes and still counts on a DP unit, by entry id. */
    private final Map<String, Remote> remote = new ConcurrentHashMap<>();
    private final Map<String, long[]> aliveUntil = new ConcurrentHashMap<>();
    /**
     * Entries this node, as leader, claimed while their node seemed dead: claimed once per epoch, they would
     * otherwise wait undecided if the node was only late with its heartbeat (as every node is after the
     * store was away), so the sweep looks at them again.
     */
    private final Map<String, AcceptedRequest.Entry> unsure = new ConcurrentHashMap<>();
    // distinct from the ingress's ids, which count from 1, in the loop's map of waiting requests
    private final AtomicLong remoteIds = new AtomicLong(1L << 48);
    private final Sinks.Many<Boolean> claimNudges = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicBoolean nudged = new AtomicBoolean();
    private volatile Consumer<String> relayedEndForwards = payload -> { };
    private String cursor = "-";
    private long cursorEpoch = -1;
    private long ledAt = -1;

    DecidingSide(SharedContext shared, AcceptingSide accepting, Duration decisionTimeout) {
        this.shared = shared;
        this.accepting = accepting;
        this.decisionTimeout = decisionTimeout;
    }

    /** Nudges to claim now, besides the poll. */
    Flux<Boolean> nudges() {
        return claimNudges.asFlux();
    }

    void onRelayedEndForward(Consumer<String> consumer) {
        relayedEndForwards = consumer;
    }

    void onNotice(String text) {
        AdmissionMessage message = shared.codec().decode(text);
        if (message instanceof AdmissionMessage.EndForward e) {
            if (shared.leadership().isLeader()) {
                relayedEndForwards.accept(e.payload());
            }
        } else if (message instanceof AdmissionMessage.Accepted) {
            if (shared.leadership().isLeader() && nudged.compareAndSet(false, true)) {
                claimNudges.tryEmitNext(true);
            }
        } else if (message instanceof AdmissionMessage.PrefillDone p) {
            Remote r = remote.get(p.entryId());
            if (r != null && r.epoch() == p.epoch() && remote.remove(p.entryId(), r)) {
                DispatchLoop loop = shared.loop();
                if (p.firstToken()) {
                    loop.onPrefillCompleted(r.unit(), r.requestId(), r.promptTokens(), loop.now());
                } else {
                    loop.onPrefillReleased(r.unit(), r.requestId(), r.promptTokens());
                }
            }
        }
        // an assignment is no notice to the leader; null was logged and counted by the codec
    }

    /** Claims what is buffered and decides it: this node's own waiting requests in its loop, others' for them. */
    Mono<Void> claim() {
        nudged.set(false);
        if (!shared.leadership().isLeader()) {
            if (ledAt >= 0) {
                stepDown();
            }
            return Mono.empty();
        }
        if (shared.alone()) {
            return Mono.empty();
        }
        Fence fence = shared.leadership().fence();
        if (fence.epoch() != cursorEpoch) {
            // a new term: everything buffered is ours to decide again, from the start
            cursor = "-";
            cursorEpoch = fence.epoch();
            unsure.clear();
            ledAt = fence.epoch();
            // whether the loop starts on measured passes (a hot standby) or on the offline default
            DispatchLoop.PassModel model = shared.loop().passModel();
            SharedContext.log.info("{} leads at epoch {}: reconciling the shared buffer; prefill T̄_fwd {} ms, {}",
                    shared.node(), fence.epoch(), String.format(Locale.ROOT, "%.1f", model.meanForwardNanos() / 1e6),
                    model.fromPushes() ? "from EndForward pushes" : "not from pushes");
        }
        return shared.store().claimAccepted(fence, cursor, CLAIM_BATCH)
                .concatMap(e -> {
                    cursor = e.entryId();
                    return decide(fence, e);
                })
                .onErrorResume(FencedException.class, e -> {
                    shared.leadership().fenced();
                    return Mono.empty();
                })
                .then();
    }

    private Mono<Void> decide(Fence fence, AcceptedRequest.Entry e) {
        AcceptedRequest a = e.request();
        if (a.acceptedBy().equals(shared.node())) {
            accepting.decideOwn(e.entryId());
            return Mono.empty();
        }
        return alive(a.acceptedBy()).flatMap(alive -> {
            if (!alive) {
                unsure.put(e.entryId(), e); // the sweep drops it, or decides it if the node turns out alive
                return Mono.empty();
            }
            DispatchLoop loop = shared.loop();
            InferenceRequest r = new InferenceRequest(remoteIds.incrementAndGet(), a.promptTokens(), a.outputTokens(),
                    loop.now(), a.blockHashes());
            // the assignment goes out from the loop's decision without holding up the claimer
            loop.submit(r).flatMap(d -> assign(fence, e.entryId(), a.acceptedBy(), d))
                    .onErrorResume(shared::warn).subscribe();
            return Mono.empty();
        });
    }

    private Mono<Void> assign(Fence fence, String entry, String acceptedBy, DispatchLoop.Dispatched d) {
        Remote held = new Remote(d.unit(), d.request().id(), d.request().promptTokens(), fence.epoch(),
                d.decidedAtNanos());
        remote.put(entry, held);
        String text = shared.codec().encode(new AdmissionMessage.Assignment(entry, fence.epoch(), d.unit(), d.decodeUnit()));
        return shared.store().assign(fence, entry, acceptedBy, text)
                .doOnNext(assigned -> {
                    if (!assigned) {
                        free(entry, held); // the client left before the decision: nobody will use the unit
                    }
                })
                .onErrorResume(FencedException.class, x -> {
                    shared.leadership().fenced();
                    return Mono.empty();
                })
                .doOnError(x -> free(entry, held))
                .then();
    }

    private void free(String entry, Remote held) {
        if (remote.remove(entry, held)) {
            shared.loop().onPrefillReleased(held.unit(), held.requestId(), held.promptTokens());
        }
    }

    private Mono<Boolean> alive(String other) {
        long now = shared.loop().now();
        long[] cached = aliveUntil.get(other);
        if (cached != null && cached[0] > now) {
            return Mono.just(cached[1] == 1);
        }
        return shared.store().alive(other).doOnNext(a -> aliveUntil.put(other,
                new long[] {now + Duration.ofMillis(200).toNanos(), a ? 1 : 0}));
    }

    /**
     * The leader's housekeeping: entries of nodes that died are dropped (their clients' connections died
     * with them), and decisions whose prefill-done notice never came stop counting after the longest a
     * request may take.
     */
    Mono<Void> sweep() {
        if (!shared.leadership().isLeader() || shared.alone()) {
            return Mono.empty();
        }
        long now = shared.loop().now();
        long stale = decisionTimeout.multipliedBy(2).toNanos();
        remote.forEach((entry, r) -> {
            if (now - r.decidedAtNanos() > stale) {
                free(entry, r);
            }
        });
        Fence fence = shared.leadership().fence();
        Flux<Void> late = Flux.fromIterable(List.copyOf(unsure.values()))
                .concatMap(e -> alive(e.request().acceptedBy()).flatMap(alive -> {
                    if (!alive || fence.epoch() != cursorEpoch || !unsure.remove(e.entryId(), e)) {
                        return Mono.empty(); // still dead: dropped below
                    }
                    return decide(fence, e);
                }));
        return late.thenMany(shared.store().peekAccepted("-", 1_000))
                .filter(e -> !e.request().acceptedBy().equals(shared.node()))
                .concatMap(e -> alive(e.request().acceptedBy())
                        .filter(alive -> !alive)
                        .flatMap(dead -> shared.store().finishAccepted(fence, e.entryId())
                                .doOnNext(removed -> unsure.remove(e.entryId()))))
                .onErrorResume(FencedException.class, x -> {
                    shared.leadership().fenced();
                    return Mono.empty();
                })
                .then();
    }

    /** No longer leader: what this node decided for others no longer counts in its loop. */
    private void stepDown() {
        SharedContext.log.info("{} no longer leads (epoch {})", shared.node(), ledAt);
        ledAt = -1;
        cursorEpoch = -1;
        unsure.clear();
        remote.forEach(this::free);
    }
}
