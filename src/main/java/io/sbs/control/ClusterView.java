package io.sbs.control;

import io.sbs.core.Phase;
import io.sbs.loop.DispatchLoop;
import io.sbs.loop.LoopSnapshot;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.FencedException;
import io.sbs.state.Leadership;
import java.time.Clock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cluster as operators read it, on any node. Only the leader's loop sees the traffic, so the leader
 * publishes its {@link LoopSnapshot} to the store every {@code period} (a fenced write), with a small
 * interval sample for the history; a standby answers reads from the last published view rather than from
 * its own idle loop.
 *
 * <p>A standby also reads the published view every {@code period} and hands the leader's measured
 * {@code T̄_fwd} to its own loop as a prior ({@link DispatchLoop#priorForward}), which the loop runs on
 * while it has measured no pass itself: the pushes it relays teach it more, but an engine may push to the
 * leader alone, and without pushes only the leader measures passes (from first tokens).
 */
public final class ClusterView implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterView.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * One point of the interval history.
     *
     * @param takenAtMs wall-clock time, epoch milliseconds
     * @param prefill   {@code Δ}, {@code T̄_fwd}, {@code τ_net}, {@code N} of the prefill phase
     * @param decode    the same for decode; {@code null} without decode instances
     */
    public record IntervalSample(long takenAtMs, String leaderId, long epoch, int buffered,
            LoopSnapshot.PhaseView prefill, LoopSnapshot.@Nullable PhaseView decode) {
    }

    private final ClusterStateStore store;
    private final Leadership leadership;
    private final DispatchLoop loop;
    private final Duration period;
    private final int historyLength;
    private final Clock clock;
    private Disposable publishing = Disposables.disposed();

    /** @param historyLength samples the interval history keeps (at one per {@code period}) */
    public ClusterView(ClusterStateStore store, Leadership leadership, DispatchLoop loop, Duration period,
            int historyLength, Clock clock) {
        this.store = store;
        this.leadership = leadership;
        this.loop = loop;
        this.period = period;
        this.historyLength = historyLength;
        this.clock = clock;
    }

    public synchronized ClusterView start() {
        publishing.dispose();
        publishing = Flux.interval(period, period).onBackpressureDrop()
                .concatMap(t -> publish().onErrorResume(e -> {
                    log.warn("publishing the cluster view failed: {}", e.toString());
                    return Mono.empty();
                }))
                .subscribe();
        return this;
    }

    /** Publishes the loop's current view if this node leads; else follows the leader's {@code T̄_fwd}. */
    public Mono<Void> publish() {
        if (!leadership.isLeader()) {
            // a standby that cannot read the view keeps its prior; the store's outage is reported elsewhere
            return follow().onErrorResume(e -> {
                log.debug("following the leader's view failed: {}", e.toString());
                return Mono.empty();
            });
        }
        LoopSnapshot s = loop.snapshot();
        Leadership.Status status = leadership.status();
        IntervalSample sample = new IntervalSample(clock.millis(), status.nodeId(), status.epoch(), s.buffered(),
                s.prefill(), s.decode());
        return store.publishView(leadership.fence(), JSON.writeValueAsString(s), JSON.writeValueAsString(sample),
                        historyLength)
                .onErrorResume(FencedException.class, e -> {
                    leadership.fenced();
                    return Mono.empty();
                });
    }

    /** A standby's loop takes the leader's measured {@code T̄_fwd} per phase as its prior. */
    private Mono<Void> follow() {
        return store.leaderView().map(json -> JSON.readValue(json, LoopSnapshot.class)).doOnNext(view -> {
            prior(Phase.PREFILL, view.prefill());
            prior(Phase.DECODE, view.decode());
        }).then();
    }

    private void prior(Phase phase, LoopSnapshot.@Nullable PhaseView v) {
        // a leader that measured nothing publishes the offline default (or its own prior): nothing to learn
        if (v != null && (v.forwardSamples() > 0 || v.forwardFromPushes())) {
            loop.priorForward(phase, v.meanForwardNanos(), v.forwardFromPushes());
        }
    }

    /** The leader's view: this node's own loop when it leads, else the last one the leader published. */
    public Mono<LoopSnapshot> current() {
        if (leadership.isLeader()) {
            return Mono.just(loop.snapshot());
        }
        return store.leaderView().map(json -> JSON.readValue(json, LoopSnapshot.class))
                .defaultIfEmpty(loop.snapshot());
    }

    /** The interval history, newest first. */
    public Flux<IntervalSample> intervalHistory(int limit) {
        return store.intervalHistory(limit).map(json -> JSON.readValue(json, IntervalSample.class));
    }

    @Override
    public synchronized void close() {
        publishing.dispose();
    }
}
