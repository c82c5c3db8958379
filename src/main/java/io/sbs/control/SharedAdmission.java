package io.sbs.control;

import io.sbs.core.InferenceRequest;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.Leadership;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * Active-standby admission through the shared buffer: every node accepts requests, the leader decides.
 *
 * <p>A node accepts a request into the {@link ClusterStateStore}'s buffer before anything else, which is
 * when it counts as accepted. On the leader the request goes straight to its own dispatch loop. On a
 * standby the leader is nudged; its claimer takes the entry from the buffer, decides it in its loop, and
 * stores and publishes the assignment (a fenced write) to the accepting node, which calls the engines and
 * answers its client, and tells the leader when the prefill is done so the DP unit's capacity is freed.
 *
 * <p>When the leader dies, the standby that takes over claims the whole buffer again at its new epoch:
 * entries whose accepting node is alive and still waiting are decided again, those of dead nodes (whose
 * clients' connections died with them) are dropped. Each request is started exactly once because only its
 * accepting node starts it, on the first decision it gets; a later duplicate is handed back to the leader
 * that sent it. A request no leader decides within {@code decisionTimeout} is answered with an error.
 *
 * <p>Degraded mode ({@link DegradedMode}): while the store does not answer, each node decides its requests
 * in its own loop, as the leader decides its own: new ones without the buffer, and those it accepted before
 * and still waits for. A request whose write into the buffer fails or outlasts the grace is decided the
 * same way. Only the accepting node calls the engines, on the first decision, so a leader's later decision
 * of such an entry is handed back like any duplicate. On rejoining, the node releases its entries that
 * no waiting request needs any more, so the next leader does not decide them again.
 *
 * <p>This class wires the two sides together: the accepting side ({@link AcceptingSide}, every node) and
 * the deciding side ({@link DecidingSide}, the leader), whose messages go through {@link AdmissionCodec}.
 * The two subscriptions (assignments to this node, notices to the leader) are resubscribed with backoff
 * when they fail, as a Redis connection does in a failover; the missed assignments are read back.
 */
public final class SharedAdmission implements Admission, AutoCloseable {

    private static final Duration RESUBSCRIBE_FIRST = Duration.ofMillis(100);
    private static final Duration RESUBSCRIBE_MAX = Duration.ofSeconds(5);

    private final SharedContext shared;
    private final AcceptingSide accepting;
    private final DecidingSide deciding;
    private final int maxBuffered;
    private final Duration heartbeatPeriod;
    private final Duration heartbeatTtl;
    private Disposable running = Disposables.disposed();

    /**
     * @param decisionTimeout how long an accepted request waits for a leader's decision (it must cover a
     *                        takeover: lease TTL and more)
     * @param heartbeatPeriod how often this node says it is alive
     * @param heartbeatTtl    how long a node counts as alive after its last heartbeat
     */
    public SharedAdmission(ClusterStateStore store, Leadership leadership, DispatchLoop loop, int maxBuffered,
            Duration decisionTimeout, Duration heartbeatPeriod, Duration heartbeatTtl) {
        this(store, leadership, loop, maxBuffered, decisionTimeout, heartbeatPeriod, heartbeatTtl, null);
    }

    /**
     * @param degraded when the store counts as unreachable, and with its grace how long a write into the
     *                 buffer may take before the request is decided locally; null to wait for a leader
     */
    public SharedAdmission(ClusterStateStore store, Leadership leadership, DispatchLoop loop, int maxBuffered,
            Duration decisionTimeout, Duration heartbeatPeriod, Duration heartbeatTtl,
            @Nullable DegradedMode degraded) {
        this.shared = new SharedContext(store, leadership, loop, leadership.nodeId(), degraded, new AdmissionCodec());
        this.accepting = new AcceptingSide(shared, decisionTimeout);
        this.deciding = new DecidingSide(shared, accepting, decisionTimeout);
        this.maxBuffered = maxBuffered;
        this.heartbeatPeriod = heartbeatPeriod;
        this.heartbeatTtl = heartbeatTtl;
    }

    public synchronized SharedAdmission start() {
        running.dispose();
        ClusterStateStore store = shared.store();
        String node = shared.node();
        DegradedMode degraded = shared.degraded();
        if (degraded != null) {
            degraded.onDegraded(accepting::decideWaitingLocally);
            // the heartbeat first: it lapsed meanwhile, and a leader takes a node without one for dead
            degraded.onRejoined(() -> store.heartbeat(node, heartbeatTtl).then(accepting.reconcile())
                    .onErrorResume(shared::warn).subscribe());
        }
        Duration poll = Duration.ofMillis(100);
        running = Disposables.composite(
                Flux.interval(Duration.ZERO, heartbeatPeriod).onBackpressureDrop()
                        .concatMap(t -> store.heartbeat(node, heartbeatTtl).onErrorResume(shared::warn))
                        .subscribe(),
                // the handlers run upstream of the retry, so that even a failing one resubscribes
                store.assignments(node).doOnNext(accepting::onAssignment)
                        .retryWhen(resubscribe("assignments")).subscribe(),
                store.leaderNotices().doOnNext(deciding::onNotice)
                        .retryWhen(resubscribe("leader notices")).subscribe(),
                // nudged on every acceptance elsewhere, and polled in case a nudge was missed
                Flux.merge(deciding.nudges(), Flux.interval(poll).map(t -> true)).onBackpressureDrop()
                        .concatMap(t -> deciding.claim().onErrorResume(shared::warn), 1)
                        .subscribe(),
                Flux.interval(Duration.ofMillis(500)).onBackpressureDrop()
                        .concatMap(t -> accepting.recoverMissedAssignments().onErrorResume(shared::warn))
                        .subscribe(),
                Flux.interval(Duration.ofSeconds(1)).onBackpressureDrop()
                        .concatMap(t -> deciding.sweep().onErrorResume(shared::warn))
                        .subscribe());
        return this;
    }

    /**
     * Resubscribes a failed subscription after 100 ms, doubling up to 5 s, for as long as the node runs; a
     * subscription that delivered anything before failing starts again from 100 ms (transient errors).
     */
    private RetryBackoffSpec resubscribe(String what) {
        return Retry.backoff(Long.MAX_VALUE, RESUBSCRIBE_FIRST).maxBackoff(RESUBSCRIBE_MAX).transientErrors(true)
                .doBeforeRetry(s -> SharedContext.log.warn("{}: {} ended ({}); resubscribing (attempt {})",
                        shared.node(), what, s.failure().toString(), s.totalRetriesInARow() + 1));
    }

    @Override
    public boolean overloaded() {
        return shared.decidesOwn() ? shared.loop().overloaded() : accepting.waitingCount() >= maxBuffered;
    }

    /**
     * Engines push EndForward to whichever replica their address reaches (a Service picks one): only the
     * leader's loop uses pass ends, so a standby relays them.
     */
    @Override
    public boolean relayEndForward(String payload) {
        if (shared.decidesOwn()) {
            return false;
        }
        shared.noticeLeader(new AdmissionMessage.EndForward(payload));
        return true;
    }

    /** Where the leader hands EndForward payloads relayed by other nodes. */
    public void onRelayedEndForward(Consumer<String> consumer) {
        deciding.onRelayedEndForward(consumer);
    }

    @Override
    public Ticket admit(InferenceRequest request, Supplier<AcceptedRequest> accepted) {
        return accepting.admit(request, accepted);
    }

    /** Waiting requests of this node (for metrics and tests). */
    public int waiting() {
        return accepting.waitingCount();
    }

    /** Messages from other nodes dropped since start: of another format version, or malformed. */
    public long rejectedMessages() {
        return shared.codec().rejected();
    }

    @Override
    public synchronized void close() {
        running.dispose();
    }

    /** No leader decided an accepted request in time (no node leads, or Redis is unreachable). */
    public static final class NoDecisionException extends TimeoutException {
        private static final long serialVersionUID = 1L;

        NoDecisionException(Duration timeout) {
            super("no scheduler leader decided the request within " + timeout.toMillis() + " ms");
        }
    }
}
