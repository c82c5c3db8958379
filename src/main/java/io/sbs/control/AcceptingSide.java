package io.sbs.control;

import io.sbs.core.InferenceRequest;
import io.sbs.state.AcceptedRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The accepting side of shared admission, which every node runs: its requests go into the buffer as
 * {@link SharedTicket}s, wait for a decision (the leader's assignment, or this node's own loop when it
 * leads or decides alone), and leave the buffer when their call ends. Assignments missed while the
 * subscription reconnected are read back from the store.
 */
final class AcceptingSide {

    private final SharedContext shared;
    private final Duration decisionTimeout;
    /** This node's entries in the buffer that a live request knows, by entry id. */
    private final Map<String, SharedTicket> entries = new ConcurrentHashMap<>();
    /** This node's accepted requests still waiting for a decision, by entry id. */
    private final Map<String, SharedTicket> waiting = new ConcurrentHashMap<>();

    AcceptingSide(SharedContext shared, Duration decisionTimeout) {
        this.shared = shared;
        this.decisionTimeout = decisionTimeout;
    }

    SharedContext shared() {
        return shared;
    }

    Duration decisionTimeout() {
        return decisionTimeout;
    }

    SharedTicket admit(InferenceRequest request, Supplier<AcceptedRequest> accepted) {
        return new SharedTicket(this, request, accepted);
    }

    /** Waiting requests of this node. */
    int waitingCount() {
        return waiting.size();
    }

    void waiting(String entryId, SharedTicket ticket) {
        waiting.put(entryId, ticket);
    }

    /** True if {@code ticket} was waiting under {@code entryId} and no longer is. */
    boolean unwait(String entryId, SharedTicket ticket) {
        return waiting.remove(entryId, ticket);
    }

    void entry(String entryId, SharedTicket ticket) {
        entries.put(entryId, ticket);
    }

    /** The ticket released its entry. */
    void forget(String entryId, SharedTicket ticket) {
        waiting.remove(entryId);
        entries.remove(entryId, ticket);
    }

    /** The leader claimed one of this node's own entries: this node's loop decides it, if it still waits. */
    void decideOwn(String entryId) {
        SharedTicket mine = waiting.get(entryId);
        if (mine != null) {
            mine.decideLocally();
        }
    }

    /** An assignment for one of this node's requests, from the subscription or read back from the store. */
    void onAssignment(String text) {
        if (!(shared.codec().decode(text) instanceof AdmissionMessage.Assignment a)) {
            return; // logged and counted by the codec
        }
        SharedTicket ticket = waiting.get(a.entryId());
        if (ticket == null || !ticket.resolve(a.unit(), a.decodeUnit(), a.epoch())) {
            // decided already (by this node's loop or an earlier leader) or gone: the sender must not keep counting it
            shared.noticeLeader(new AdmissionMessage.PrefillDone(a.entryId(), a.epoch(), false));
        }
    }

    /**
     * Assignments published while this node's subscription was reconnecting are read from the store; an
     * entry the leader dropped meanwhile (it took this node for dead: a pause longer than the heartbeat
     * TTL) is accepted again, so the request is not left waiting for a decision that cannot come.
     */
    Mono<Void> recoverMissedAssignments() {
        if (shared.alone()) {
            decideWaitingLocally(); // any that came in as the store went away
            return Mono.empty();
        }
        long now = shared.loop().now();
        return Flux.fromIterable(waiting.entrySet())
                .filter(e -> now - e.getValue().request().arrivalNanos() > Duration.ofMillis(500).toNanos())
                .concatMap(e -> shared.store().assignment(e.getKey())
                        .doOnNext(a -> {
                            if (waiting.containsKey(e.getKey())) {
                                onAssignment(a);
                            }
                        })
                        .switchIfEmpty(shared.store().buffered(e.getKey()).flatMap(buffered -> buffered ? Mono.empty()
                                : e.getValue().acceptAgain(e.getKey()).then(Mono.empty()))))
                .then();
    }

    /** The store went away: what this node accepted and still waits for is decided by its loop. */
    void decideWaitingLocally() {
        waiting.values().forEach(SharedTicket::decideLocally);
    }

    /**
     * Back from degraded mode: this node's entries that no waiting request needs (decided locally meanwhile,
     * or written as their request gave up on the write) leave the buffer, so the next leader does not
     * decide them again. One it decides anyway, before this runs, is handed back as a duplicate.
     */
    Mono<Void> reconcile() {
        int page = 1_000;
        return shared.store().peekAccepted("-", page).collectList()
                .expand(batch -> batch.size() < page ? Mono.empty()
                        : shared.store().peekAccepted(batch.get(batch.size() - 1).entryId(), page).collectList())
                .flatMapIterable(batch -> batch)
                .filter(e -> e.request().acceptedBy().equals(shared.node()))
                .concatMap(e -> {
                    SharedTicket t = entries.get(e.entryId());
                    if (t == null) {
                        return shared.store().release(e.entryId()).then();
                    }
                    if (t.isDecided()) {
                        t.release();
                    }
                    return Mono.empty();
                })
                .then(Mono.fromRunnable(() -> SharedContext.log.info(
                        "{}: rejoined; its entries decided meanwhile left the buffer", shared.node())));
    }
}
