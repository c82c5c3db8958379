package io.sbs.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.formats.ProfileLoader;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.PaperWorkloads;
import io.sbs.sim.workload.PoissonArrivals;
import io.sbs.sim.workload.WorkloadGenerator;
import io.sbs.state.PolicyRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/**
 * The preview on the embedded default's cluster (profile {@code divided}: 3 prefill instances of DP8, 1024
 * tokens per unit and pass), with traffic recorded on a controlled clock.
 */
class PolicyPreviewTest {

    private static final long MS = 1_000_000L;
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final EngineProfile DIVIDED = ProfileLoader.load("divided");
    private static final ClusterShape EMBEDDED = new ClusterShape(List.of(
            new ClusterShape.PrefillInstance("prefill-0", 8, 1024),
            new ClusterShape.PrefillInstance("prefill-1", 8, 1024),
            new ClusterShape.PrefillInstance("prefill-2", 8, 1024)));

    private final AtomicLong clock = new AtomicLong(1_000_000 * MS);
    private final TrafficRecorder recorder = new TrafficRecorder(clock::get);
    private final List<PolicyPreview> previews = new ArrayList<>();

    @AfterEach
    void close() {
        previews.forEach(PolicyPreview::close);
    }

    private PolicyPreview preview(String currentPolicy, Supplier<ClusterShape> cluster, TraceLibrary traces,
            PolicyPreview.Settings settings) {
        PolicyRecord current = new PolicyRecord(SchedulingPolicy.defaults(currentPolicy), 4, "alice", 0, 1);
        PolicyPreview p = new PolicyPreview(recorder, traces, () -> Mono.just(current), cluster, DIVIDED, settings);
        previews.add(p);
        return p;
    }

    private PolicyPreview preview(String currentPolicy) {
        return preview(currentPolicy, () -> EMBEDDED, TraceLibrary.NONE, PolicyPreview.Settings.DEFAULTS);
    }

    private static List<WorkloadRequest> poisson(double qps, double seconds, long seed) {
        return WorkloadGenerator.generate(new PoissonArrivals(qps), PaperWorkloads.SHORT_PROMPTS,
                PaperWorkloads.PREFILL_OUTPUTS, (int) (qps * seconds), seed);
    }

    /** Records {@code workload} as the loop would have, ending now. */
    private void record(List<WorkloadRequest> workload) {
        long start = clock.get();
        for (WorkloadRequest w : workload) {
            recorder.record(start + w.arrivalNanos(), w.promptTokens(), w.outputTokens(), w.blockHashes());
        }
        clock.set(start + workload.get(workload.size() - 1).arrivalNanos());
    }

    private static PreviewResult run(PolicyPreview p, PreviewRequest request) {
        return p.preview(request).block(BOUND);
    }

    @Test
    void proposingRoundRobin_onALoadedWindow_projectsAHigherMeanTtftThanSbs() {
        // 390 QPS: about 85 % of the cluster's prefill capacity with prompts of mean 1K
        record(poisson(390, 30, 1));

        PreviewResult r = run(preview(PolicyRegistry.SBS),
                PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN)));

        assertThat(r.source()).isEqualTo("recorded");
        assertThat(r.requests()).isEqualTo(11_700);
        assertThat(r.currentVersion()).isEqualTo(4);
        assertThat(r.cluster()).isEqualTo(new PreviewResult.SimulatedCluster("divided", 3, 8, 1024));
        assertThat(r.current().policy().name()).isEqualTo(PolicyRegistry.SBS);
        assertThat(r.proposed().policy().name()).isEqualTo(PolicyRegistry.ROUND_ROBIN);
        assertThat(r.proposed().ttftMeanSeconds() / r.current().ttftMeanSeconds())
                .as("mean TTFT of round robin over sbs").isGreaterThan(1.1);
        assertThat(r.proposed().ttftP99Seconds()).isGreaterThan(r.current().ttftP99Seconds());
        for (PreviewResult.Projection p : List.of(r.current(), r.proposed())) {
            assertThat(p.saturated()).isFalse();
            assertThat(p.completed()).isEqualTo(11_700);
            assertThat(p.ttftP50Seconds()).isPositive().isLessThan(p.ttftP99Seconds());
            // every request is served, so throughput is the offered load over a slightly longer span
            assertThat(p.requestsPerSecond() / r.offeredPerSecond()).isBetween(0.97, 1.0);
            assertThat(p.promptTokensPerSecond()).isGreaterThan(p.requestsPerSecond() * 500);
            assertThat(p.chunkUtilization()).isBetween(0.5, 1.0);
            assertThat(p.busyFraction()).isBetween(0.5, 1.0);
        }
        assertThat(r.wallSeconds()).isPositive();
        assertThat(r.notes()).isEmpty();
    }

    @Test
    void preview_sameInputsAndSeed_sameProjections_otherSeed_otherJitter() {
        record(poisson(300, 20, 2));
        PolicyPreview p = preview(PolicyRegistry.SBS);
        PreviewRequest request = PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.LEAST_OUTSTANDING_TOKENS));

        PreviewResult first = run(p, request);
        PreviewResult second = run(p, request);
        PreviewResult reseeded = run(p, request.withSeed(99));

        assertThat(second.current()).isEqualTo(first.current());
        assertThat(second.proposed()).isEqualTo(first.proposed());
        assertThat(reseeded.current()).isNotEqualTo(first.current());
    }

    @Test
    void proposingTheCurrentPolicy_projectsTheSameTwice() {
        record(poisson(200, 10, 3));

        PreviewResult r = run(preview(PolicyRegistry.SBS),
                PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.SBS)));

        assertThat(r.proposed()).isEqualTo(r.current());
    }

    @Test
    void timeScale_replaysFaster_andAPolicyThatCannotKeepUp_isReportedSaturated() {
        record(poisson(300, 20, 4));
        PolicyPreview p = preview(PolicyRegistry.SBS, () -> EMBEDDED, TraceLibrary.NONE,
                new PolicyPreview.Settings(2, Duration.ofMillis(200), Duration.ofSeconds(2), null, 1_000_000,
                        Duration.ofHours(1)));

        // three times the rate: about twice what the cluster prefills
        PreviewResult r = run(p, PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN))
                .withTimeScale(3));

        assertThat(r.trafficSeconds()).isCloseTo(20.0 / 3, offset(0.2));
        assertThat(r.offeredPerSecond()).isCloseTo(900, offset(40.0));
        // the live queue bound (2 s) plus the longest prompt (3K) alone: three passes of about 42 ms and 4 ms
        // of network
        assertThat(r.giveUpSeconds()).isBetween(2.12, 2.135);
        assertThat(r.current().saturated()).isTrue();
        assertThat(r.proposed().saturated()).isTrue();
        assertThat(r.proposed().unfinished()).isPositive();
        assertThat(r.notes()).anyMatch(n -> n.contains("'round-robin' could not keep up"));
    }

    @Test
    void alone_isTheEngineModelsPassesWithoutJitter_plusTheNetwork() {
        // divided: a pass of 1024 tokens on one unit costs 20 + 0.02 * 1024 + 0.0015 * 1024 = 42.016 ms
        assertThat(PolicyPreview.alone(DIVIDED, 1024)).isBetween(46_015_990L, 46_016_010L);
        // 2,500 tokens: two full chunks and 452 tokens (29.718 ms), plus 2 ms each way
        assertThat(PolicyPreview.alone(DIVIDED, 2500)).isBetween(117_749_990L, 117_750_010L);
    }

    @Test
    void namedTrace_isReplayedInsteadOfTheRecording() {
        List<WorkloadRequest> trace = poisson(100, 10, 5);
        TraceLibrary library = new TraceLibrary() {
            @Override
            public List<String> names() {
                return List.of("steady.csv");
            }

            @Override
            public List<WorkloadRequest> load(String name) {
                if (!name.equals("steady.csv")) {
                    throw new InvalidPreviewException(InvalidPreviewException.Reason.UNKNOWN_TRACE, "unknown " + name);
                }
                return trace;
            }
        };
        PolicyPreview p = preview(PolicyRegistry.SBS, () -> EMBEDDED, library, PolicyPreview.Settings.DEFAULTS);

        PreviewResult r = run(p, PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN))
                .withTrace("steady.csv"));

        assertThat(r.source()).isEqualTo("steady.csv");
        assertThat(r.requests()).isEqualTo(trace.size());
        assertThat(p.traces()).containsExactly("steady.csv");
        StepVerifier.create(p.preview(PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.SBS))
                        .withTrace("other.csv")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidPreviewException.class)
                        .extracting(x -> ((InvalidPreviewException) x).reason())
                        .isEqualTo(InvalidPreviewException.Reason.UNKNOWN_TRACE))
                .verify(BOUND);
    }

    @Test
    void nothingRecorded_andNoTrace_isAClearError() {
        StepVerifier.create(preview(PolicyRegistry.SBS).preview(PreviewRequest.of(SchedulingPolicy.defaults(
                        PolicyRegistry.ROUND_ROBIN))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidPreviewException.class)
                        .hasMessageContaining("no traffic was recorded in the last 10 minutes")
                        .extracting(x -> ((InvalidPreviewException) x).reason())
                        .isEqualTo(InvalidPreviewException.Reason.NO_TRAFFIC))
                .verify(BOUND);
    }

    @Test
    void badRequests_areRefusedWithTheirReason() {
        SchedulingPolicy sbs = SchedulingPolicy.defaults(PolicyRegistry.SBS);
        assertThatThrownBy(() -> new PreviewRequest(null, null, 1, 1)).isInstanceOf(InvalidPreviewException.class)
                .hasMessageContaining("proposed policy");
        assertThatThrownBy(() -> PreviewRequest.of(sbs).withTimeScale(0)).isInstanceOf(InvalidPreviewException.class)
                .hasMessageContaining("timeScale");
        assertThatThrownBy(() -> PreviewRequest.of(sbs).withTimeScale(Double.NaN))
                .isInstanceOf(InvalidPreviewException.class);
        assertThatThrownBy(() -> PreviewRequest.of(sbs).withTimeScale(1e15)).isInstanceOf(InvalidPreviewException.class)
                .hasMessageContaining("timeScale must be between 0.01 and 1000.0");
        assertThatThrownBy(() -> PreviewRequest.of(sbs).withTimeScale(0.001)).isInstanceOf(InvalidPreviewException.class);
        record(poisson(100, 5, 6));
        PolicyPreview small = preview(PolicyRegistry.SBS, () -> EMBEDDED, TraceLibrary.NONE,
                new PolicyPreview.Settings(1, Duration.ofMillis(200), Duration.ofSeconds(2), null, 100,
                        Duration.ofHours(1)));
        StepVerifier.create(small.preview(PreviewRequest.of(sbs)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidPreviewException.class)
                        .hasMessageContaining("more than the 100 a preview replays"))
                .verify(BOUND);
    }

    @Test
    void aPreviewPastItsBudget_failsAsTooLarge_andTheNextOneRuns() {
        record(poisson(100, 5, 9));
        AtomicLong wall = new AtomicLong();
        AtomicLong shapes = new AtomicLong();
        // the first preview's wall clock jumps past the budget while it reads the cluster; the next one's does not
        PolicyRecord current = new PolicyRecord(SchedulingPolicy.defaults(PolicyRegistry.SBS), 4, "alice", 0, 1);
        PolicyPreview p = new PolicyPreview(recorder, TraceLibrary.NONE, () -> Mono.just(current), () -> {
            if (shapes.incrementAndGet() == 1) {
                wall.addAndGet(Duration.ofSeconds(31).toNanos());
            }
            return EMBEDDED;
        }, DIVIDED, PolicyPreview.Settings.DEFAULTS, wall::get);
        previews.add(p);
        PreviewRequest request = PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN));

        StepVerifier.create(p.preview(request))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidPreviewException.class)
                        .hasMessageContaining("budget of 30 s")
                        .extracting(x -> ((InvalidPreviewException) x).reason())
                        .isEqualTo(InvalidPreviewException.Reason.TOO_LARGE))
                .verify(BOUND);
        StepVerifier.create(p.preview(request))
                .assertNext(r -> assertThat(r.requests()).isEqualTo(500))
                .expectComplete()
                .verify(BOUND);
    }

    @Test
    void aSecondPreview_whileOneRuns_isBusy_andTheNextOneAfterRuns() throws InterruptedException {
        record(poisson(100, 5, 7));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong calls = new AtomicLong();
        // the first preview reads the cluster shape and holds there until the second has been refused
        PolicyPreview p = preview(PolicyRegistry.SBS, () -> {
            if (calls.incrementAndGet() == 1) {
                inside.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return EMBEDDED;
        }, TraceLibrary.NONE, PolicyPreview.Settings.DEFAULTS);
        PreviewRequest request = PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN));
        List<PreviewResult> done = Collections.synchronizedList(new ArrayList<>());
        Disposable first = p.preview(request).subscribe(done::add);
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

        StepVerifier.create(p.preview(request))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PreviewBusyException.class)
                        .extracting(x -> ((PreviewBusyException) x).retryAfter()).isEqualTo(Duration.ofSeconds(5)))
                .verify(BOUND);
        release.countDown();

        // the permit is back once the first one has finished
        StepVerifier.create(p.preview(request).retryWhen(Retry.fixedDelay(600, Duration.ofMillis(50))
                        .filter(PreviewBusyException.class::isInstance)))
                .assertNext(r -> assertThat(r.requests()).isEqualTo(500))
                .expectComplete()
                .verify(BOUND);
        await().atMost(BOUND).until(() -> done.size() == 1);
        first.dispose();
    }

    @Test
    void heterogeneousCluster_isSimulatedAsItsMostCommonShape_andSaysSo() {
        record(poisson(100, 5, 8));
        ClusterShape mixed = new ClusterShape(List.of(new ClusterShape.PrefillInstance("a", 8, 1024),
                new ClusterShape.PrefillInstance("b", 8, 1024), new ClusterShape.PrefillInstance("c", 4, 2048)));

        PreviewResult r = run(preview(PolicyRegistry.SBS, () -> mixed, TraceLibrary.NONE,
                PolicyPreview.Settings.DEFAULTS), PreviewRequest.of(SchedulingPolicy.defaults(PolicyRegistry.SBS)));

        assertThat(r.cluster()).isEqualTo(new PreviewResult.SimulatedCluster("divided", 3, 8, 1024));
        assertThat(r.notes()).singleElement().asString().contains("differ in shape");
    }
}
