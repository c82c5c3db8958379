package io.sbs.control;

import io.sbs.core.DpUnitId;
import io.sbs.core.InferenceRequest;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.retry.Retry;

/**
 * One request this node accepted into the shared buffer, from its acceptance to its entry's release. Its
 * decision moves through {@link TicketState}; which buffer entry it holds, and whether the call ended,
 * are kept beside it. Called from the ingress's, the store's and the loop's threads.
 */
final class SharedTicket implements Admission.Ticket {

    /** A decision taken, and the epoch of the leader that took it (-1 for this node's own loop). */
    private record Decision(DispatchLoop.Dispatched dispatched, long epoch) {
    }

    private final AcceptingSide side;
    private final SharedContext shared;
    private final InferenceRequest request;
    private final Supplier<AcceptedRequest> accepted;
    private final AtomicReference<TicketState> state = new AtomicReference<>(TicketState.WAITING);
    /** The buffer entry this ticket still has to release; null before its id is known and once released. */
    private final AtomicReference<@Nullable String> held = new AtomicReference<>();
    /** The latest entry id known, kept after the release for the prefill-done notice. */
    private final AtomicReference<@Nullable String> entryId = new AtomicReference<>();
    /** The call ended, however it ended: the entry is released once its id is known. */
    private volatile boolean ended;
    private volatile @Nullable MonoSink<DispatchLoop.Dispatched> sink;
    private volatile Disposable local = Disposables.disposed();
    private volatile @Nullable Decision decision;

    SharedTicket(AcceptingSide side, InferenceRequest request, Supplier<AcceptedRequest> accepted) {
        this.side = side;
        this.shared = side.shared();
        this.request = request;
        this.accepted = accepted;
    }

    InferenceRequest request() {
        return request;
    }

    boolean isDecided() {
        return state.get().decided();
    }

    @Override
    public Mono<DispatchLoop.Dispatched> decided() {
        return Mono.defer(() -> {
            if (shared.alone()) {
                return Mono.<String>empty();
            }
            // the write goes on even if the client leaves meanwhile (Redis runs what was sent), so it is
            // not cancelled with the client: the entry is then released as soon as its id is known
            CompletableFuture<String> stored = shared.store().accept(accepted.get()).toFuture();
            stored.thenAccept(this::known);
            DegradedMode degraded = shared.degraded();
            return degraded == null ? Mono.fromFuture(stored, true) : bounded(stored, degraded);
        }).flatMap(id -> Mono.<DispatchLoop.Dispatched>create(s -> {
            known(id);
            sink = s;
            s.onCancel(this::withdraw);
            side.waiting(id, this);
            if (shared.decidesOwn()) {
                decideLocally();
            } else {
                shared.noticeLeader(new AdmissionMessage.Accepted());
            }
        })).switchIfEmpty(Mono.<DispatchLoop.Dispatched>create(s -> {
            // not in the buffer (degraded mode): this node's loop decides, as the leader's decides its own
            sink = s;
            s.onCancel(this::withdraw);
            decideLocally();
        })).timeout(side.decisionTimeout(), Mono.error(() -> new SharedAdmission.NoDecisionException(side.decisionTimeout())))
                .doOnCancel(this::withdraw)
                .doOnError(e -> finished());
    }

    /**
     * The write into the buffer, bounded by the grace: when it fails or takes longer the store counts as
     * failing and the request is decided locally (empty). A write that lands later gets its entry
     * released when the call ends, through {@link #known}. The bound is on a copy of the future, not a
     * Reactor timeout: that would cancel the subscription, and the write's own late failure would then be
     * reported as a dropped error.
     */
    private Mono<String> bounded(CompletableFuture<String> write, DegradedMode mode) {
        long sent = shared.loop().now();
        return Mono.fromFuture(write.copy().orTimeout(mode.grace().toNanos(), TimeUnit.NANOSECONDS), true)
                .doOnNext(id -> mode.answered(sent))
                .onErrorResume(e -> {
                    SharedContext.log.warn("{}: the shared buffer did not take request {} ({}); deciding it locally",
                            shared.node(), request.id(), e instanceof TimeoutException ? "timed out" : e.toString());
                    mode.failed();
                    return Mono.empty();
                });
    }

    /** The leader dropped this request's entry while it waited: it goes into the buffer again. */
    Mono<Void> acceptAgain(String dropped) {
        if (isDecided() || !side.unwait(dropped, this)) {
            return Mono.empty();
        }
        SharedContext.log.warn("{}: the leader dropped waiting entry {}; accepting it again", shared.node(), dropped);
        return shared.store().accept(accepted.get()).doOnNext(id -> {
            held.set(null); // the dropped entry is gone; the new one is this request's now
            known(id);
            if (ended) {
                return;
            }
            side.waiting(id, this);
            shared.noticeLeader(new AdmissionMessage.Accepted());
        }).then();
    }

    void decideLocally() {
        if (TicketState.submitLocally(state)) {
            DispatchLoop loop = shared.loop();
            // the loop's clock starts when the request enters it: time spent waiting for a leader (a takeover)
            // is not a backlog of this loop, and must not turn on its flow control (TTFT keeps the real wait)
            InferenceRequest entering = new InferenceRequest(request.id(), request.promptTokens(),
                    request.outputTokens(), loop.now(), request.blockHashes());
            local = loop.submit(entering).subscribe(d -> {
                if (!resolve(d, -1)) {
                    loop.onPrefillReleased(d.unit(), d.request().id(), request.promptTokens());
                }
            });
        }
    }

    /** A leader at {@code epoch} assigned this ticket's entry to these units; true if this was the first decision. */
    boolean resolve(DpUnitId unit, @Nullable DpUnitId decodeUnit, long epoch) {
        return resolve(new DispatchLoop.Dispatched(request, unit, decodeUnit, shared.loop().now()), epoch);
    }

    /** Takes the first decision; true if this was it. */
    private boolean resolve(DispatchLoop.Dispatched d, long epoch) {
        if (!TicketState.decide(state)) {
            return false;
        }
        String id = entryId.get();
        if (id != null) {
            side.unwait(id, this);
        }
        decision = new Decision(d, epoch);
        MonoSink<DispatchLoop.Dispatched> s = sink;
        if (s != null) {
            s.success(d);
        }
        if (ended) {
            // the client left as the decision came: nobody will call the engines, give the unit back
            prefillDone();
        }
        return true;
    }

    private void withdraw() {
        local.dispose();
        finished();
    }

    @Override
    public void firstToken(long observedAt) {
        done(observedAt);
    }

    @Override
    public void prefillDone() {
        done(Long.MIN_VALUE);
    }

    /** The prefill is done, with a first token seen at {@code observedAt}, or without ({@link Long#MIN_VALUE}). */
    private void done(long observedAt) {
        Decision taken = decision;
        if (taken == null || !TicketState.prefillDone(state)) {
            return;
        }
        DispatchLoop.Dispatched d = taken.dispatched();
        boolean token = observedAt != Long.MIN_VALUE;
        if (taken.epoch() < 0) {
            if (token) {
                shared.loop().onPrefillCompleted(d.unit(), d.request().id(), request.promptTokens(), observedAt);
            } else {
                shared.loop().onPrefillReleased(d.unit(), d.request().id(), request.promptTokens());
            }
        } else {
            // the leader's estimate needs the first token's time; it takes the notice's arrival for it
            shared.noticeLeader(new AdmissionMessage.PrefillDone(String.valueOf(entryId.get()), taken.epoch(), token));
        }
    }

    @Override
    public void finished() {
        ended = true; // before prefillDone: resolve checks it after setting the decision
        prefillDone();
        release();
    }

    /**
     * The entry's id is known: from the write's completion, which may come after the call ended (the
     * client left meanwhile), so whichever of the two comes second releases the entry.
     */
    private void known(String id) {
        // it comes twice for one write (the write's own callback and the decision's chain): a second one
        // must not hold again an entry released in between
        if (!id.equals(entryId.getAndSet(id))) {
            held.set(id);
        }
        side.entry(id, this);
        if (ended) {
            release();
        }
    }

    void release() {
        String id = held.getAndSet(null);
        if (id != null) {
            side.forget(id, this);
            // a release lost to a Redis outage would leave the entry for good (only dead nodes' entries
            // are swept): retry it across a Sentinel failover's few seconds
            shared.store().release(id).retryWhen(Retry.backoff(8, Duration.ofMillis(250)).maxBackoff(Duration.ofSeconds(2)))
                    .onErrorResume(shared::warn).subscribe();
        }
    }
}
