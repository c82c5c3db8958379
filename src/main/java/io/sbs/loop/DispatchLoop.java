package io.sbs.loop;

import io.sbs.core.Assignment;
import io.sbs.core.ClusterState;
import io.sbs.core.DpUnitId;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.InferenceRequest;
import io.sbs.core.Phase;
import io.sbs.core.PhaseDispatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs the core's prefill {@link PhaseDispatch} on one thread ({@code sbs-dispatch}).
 *
 * <p>{@link #submit} answers with the DP unit a request was assigned to, when the strategy decides: at
 * once for the immediate baselines, at a staggered tick for SBS. Engine signals ({@link #onForwardEnded},
 * {@link #onLoadPolled}) and first tokens ({@link #onPrefillCompleted}) go to the cluster state on the same
 * thread and run a dispatch cycle (the fast path). One tick is kept scheduled at the strategy's
 * {@code nextTickAt}. A request whose client leaves before it is assigned is dropped from the answer;
 * if the strategy assigns it later, the decision is withdrawn so its capacity is not held.
 */
public final class DispatchLoop implements AutoCloseable {

    /** The decision for one request. */
    public record Dispatched(InferenceRequest request, DpUnitId unit) {
    }

    private final Scheduler scheduler = Schedulers.newSingle("sbs-dispatch");
    private final ClusterState cluster;
    private final PhaseDispatch prefill;
    private final LongSupplier clock;
    private final Map<Long, MonoSink<Dispatched>> waiting = new HashMap<>();
    private Disposable tick = reactor.core.Disposables.disposed();
    private long tickAt = Long.MAX_VALUE;

    /** @param clock monotonic nanoseconds ({@code System::nanoTime} in production) */
    public DispatchLoop(ClusterState cluster, PhaseDispatch prefill, LongSupplier clock) {
        this.cluster = cluster;
        this.prefill = prefill;
        this.clock = clock;
    }

    /** Offers a request to the strategy; completes with its DP unit when the strategy assigns it. */
    public Mono<Dispatched> submit(InferenceRequest request) {
        return Mono.<Dispatched>create(sink -> {
            sink.onCancel(() -> scheduler.schedule(() -> waiting.remove(request.id())));
            scheduler.schedule(() -> {
                waiting.put(request.id(), sink);
                deliver(prefill.onArrival(request, clock.getAsLong()));
                reschedule();
            });
        });
    }

    /** Whether flow control is on (answer new requests with 429). */
    public boolean overloaded() {
        return prefill.overloaded();
    }

    /** Requests accepted and not yet assigned. */
    public int buffered() {
        return prefill.buffered();
    }

    public void onForwardEnded(ForwardEndedEvent event) {
        scheduler.schedule(() -> {
            cluster.onForwardEnded(event, clock.getAsLong());
            cycle();
        });
    }

    public void onLoadPolled(String instanceId, boolean idle, long sampledAt) {
        scheduler.schedule(() -> {
            cluster.onLoadPolled(instanceId, idle, sampledAt, clock.getAsLong());
            cycle();
        });
    }

    public void onPrefillCompleted(DpUnitId unit, int promptTokens) {
        scheduler.schedule(() -> cluster.onPrefillCompleted(unit, promptTokens));
    }

    public void onDispatchLatency(long nanos) {
        scheduler.schedule(() -> cluster.recordDispatchLatency(Phase.PREFILL, nanos));
    }

    /** The current clock reading, for callers that stamp engine signals. */
    public long now() {
        return clock.getAsLong();
    }

    private void cycle() {
        deliver(prefill.onTick(clock.getAsLong()));
        reschedule();
    }

    private void deliver(List<Assignment> assignments) {
        for (Assignment a : assignments) {
            MonoSink<Dispatched> sink = waiting.remove(a.request().id());
            if (sink == null) {
                cluster.withdrawDispatch(a);
            } else {
                sink.success(new Dispatched(a.request(), a.unit()));
            }
        }
    }

    private void reschedule() {
        long now = clock.getAsLong();
        long next = prefill.nextTickAt(now);
        if (next == Long.MAX_VALUE || (next >= tickAt && !tick.isDisposed())) {
            return;
        }
        tick.dispose();
        tickAt = next;
        tick = scheduler.schedule(() -> {
            tickAt = Long.MAX_VALUE;
            cycle();
        }, Math.max(0, next - now), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        scheduler.dispose();
    }
}
