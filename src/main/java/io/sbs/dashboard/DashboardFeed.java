package io.sbs.dashboard;

import io.sbs.control.ClusterView;
import io.sbs.control.PolicyService;
import io.sbs.control.ReadinessWindow;
import io.sbs.loop.DispatchLoop;
import io.sbs.loop.LoopSnapshot;
import io.sbs.state.Leadership;
import io.sbs.state.PolicyRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.ConnectableFlux;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The dashboard's live data: one {@link LiveFrame} per {@code period}, built once however many browsers
 * watch, and a rolling history of the last {@code historySize} summaries, so that a page opened now draws
 * its charts over the last minutes at once and extends them with every frame. The feed runs from start,
 * watched or not, because the history is what an operator opening the dashboard during an incident needs.
 *
 * <p>Reads only: the leader's {@link io.sbs.loop.LoopSnapshot} through {@link ClusterView} (this node's own
 * loop when it leads, at most a second old, never a fresh one, which would cut the loop's chunk-utilization
 * windows short; on a standby the view the leader last published), the stored policy, this node's
 * leadership, the meters and the readiness decisions by source ({@link ReadinessWindow}). Frames are built
 * on a single named thread; when the store cannot be read in time, the frame shows this node's loop and
 * policy instead, and says so in the log.
 */
final class DashboardFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DashboardFeed.class);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(1);
    /** The readiness table's window: long enough for an instance's share of each signal to be steady. */
    static final Duration READINESS_WINDOW = Duration.ofMinutes(1);
    /**
     * The watchdog-only warning's window: at tens of milliseconds a pass, a healthy engine gives dozens of
     * first tokens or polls in it, and the warning follows an outage within seconds rather than a minute.
     */
    static final Duration WATCHDOG_ONLY_WINDOW = Duration.ofSeconds(10);

    private final DispatchLoop loop;
    private final ClusterView view;
    private final PolicyService policies;
    private final Leadership leadership;
    /** Whether this node decides alone, so a page open through an outage shows it without a reload. */
    private final BooleanSupplier degraded;
    private final RequestWindow requests;
    private final ReadinessWindow readiness;
    private final Clock wallClock;
    private final int historySize;
    private final ArrayDeque<LiveFrame.Summary> history;
    private final Scheduler scheduler = Schedulers.newSingle("sbs-dashboard", true);
    private final Flux<LiveFrame> frames;
    private final Disposable connection;

    DashboardFeed(DispatchLoop loop, ClusterView view, PolicyService policies, Leadership leadership,
            BooleanSupplier degraded, RequestWindow requests, ReadinessWindow readiness, Clock wallClock, Duration period, int historySize) {
        this.loop = loop;
        this.view = view;
        this.policies = policies;
        this.leadership = leadership;
        this.degraded = degraded;
        this.requests = requests;
        this.readiness = readiness;
        this.wallClock = wallClock;
        this.historySize = historySize;
        this.history = new ArrayDeque<>(historySize);
        ConnectableFlux<LiveFrame> source = Flux.interval(Duration.ZERO, period, scheduler)
                .onBackpressureDrop()
                .concatMap(tick -> Mono.zip(
                                view.current().timeout(STORE_TIMEOUT).onErrorResume(e -> {
                                    log.warn("dashboard: the leader's view could not be read ({}); showing this node's loop",
                                            e.toString());
                                    return Mono.fromSupplier(loop::snapshot);
                                }),
                                policies.current().timeout(STORE_TIMEOUT).onErrorResume(e -> {
                                    log.warn("dashboard: the stored policy could not be read ({}); showing the loop's",
                                            e.toString());
                                    return Mono.fromSupplier(this::fallbackRecord);
                                }))
                        .publishOn(scheduler)
                        .map(t -> build(t.getT1(), t.getT2()))
                        .doOnNext(this::remember)
                        .onErrorResume(e -> {
                            log.warn("dashboard: frame skipped: {}", e.toString());
                            return Mono.empty();
                        }))
                .replay(1);
        this.frames = source;
        this.connection = source.connect();
    }

    private PolicyRecord fallbackRecord() {
        return new PolicyRecord(loop.snapshot().activePolicy(), 0, "unknown", 0, leadership.status().epoch());
    }

    private LiveFrame build(LoopSnapshot snapshot, PolicyRecord record) {
        return LiveFrame.of(snapshot, record, leadership.status(), degraded.getAsBoolean(), requests.sample(), LiveFrame.Readiness.of(snapshot,
                readiness.recent(READINESS_WINDOW), readiness.recent(WATCHDOG_ONLY_WINDOW)), wallClock.millis());
    }

    private void remember(LiveFrame frame) {
        synchronized (history) {
            if (history.size() == historySize) {
                history.removeFirst();
            }
            history.addLast(frame.summary());
        }
    }

    /** Every frame from now on, starting with the latest. */
    Flux<LiveFrame> frames() {
        return frames;
    }

    /** The summaries of the last {@code historySize} periods, oldest first. */
    List<LiveFrame.Summary> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    @Override
    public void close() {
        connection.dispose();
        scheduler.dispose();
    }
}
