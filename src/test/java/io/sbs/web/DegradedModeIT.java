package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.sbs.security.Caller;
import io.sbs.security.SecuredPlatform;
import io.sbs.state.LeaderLease;
import io.sbs.state.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two dispatchers, a leader and a standby, on a real Redis of their own and one engine over real HTTP:
 * while Redis stops answering ({@code CLIENT PAUSE}), both decide their requests alone and every client
 * still gets a 200; {@code sbs_state_degraded} reads 1 on both meanwhile and 0 once they rejoined, as do
 * the readiness group's {@code sharedState} details and the dashboard's degraded badge; the
 * engine sees every request exactly once (nothing decided twice, nothing lost), and the shared buffer
 * drains.
 */
class DegradedModeIT {

    private static final String CLUSTER = "degraded-it";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long PAUSE_MS = 8_000;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    private static final Pattern BADGE = Pattern.compile("<span id=\"degraded-badge\"[^>]*>");

    private RedisServer redis;
    private RecordingEngine engine;
    private WireDispatcher a;
    private WireDispatcher b;
    private Disposable load;
    private final Map<String, CompletableFuture<Integer>> answers = new ConcurrentHashMap<>();
    /** Requests answered while both nodes said they were degraded. */
    private final AtomicInteger answeredDegraded = new AtomicInteger();

    @AfterEach
    void stop() {
        if (load != null) {
            load.dispose();
        }
        for (WireDispatcher d : new WireDispatcher[] {b, a}) {
            if (d != null) {
                d.close();
            }
        }
        if (engine != null) {
            engine.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private WireDispatcher node(String id) {
        // a test JVM starved on a shared machine stalls for seconds; the decision timeout, the queueing bound
        // and the engine timeout (503, 429 and 504 after such a stall) are not what this test checks
        return WireDispatcher.start(List.of(engine), 1024, "spring.profiles.active=redis", "sbs.policy=round-robin",
                "sbs.state.decision-timeout=25s", "sbs.max-queue-time=25s", "sbs.engine-timeout=25s",
                "sbs.state.cluster=" + CLUSTER, "sbs.state.node-id=" + id, "spring.data.redis.host=" + redis.host(),
                "spring.data.redis.port=" + redis.port(), "SBS_VIEWER_PASSWORD=" + SecuredPlatform.VIEWER_PASSWORD,
                "SBS_OPERATOR_PASSWORD=" + SecuredPlatform.OPERATOR_PASSWORD);
    }

    /** A logged-in viewer's cookies on {@code d}'s dashboard: session and CSRF. */
    private record Login(String session, String xsrf) {
    }

    private static WebTestClient http(WireDispatcher d) {
        return WebTestClient.bindToServer().baseUrl(d.baseUrl()).responseTimeout(WAIT).build();
    }

    private static Login login(WireDispatcher d) {
        EntityExchangeResult<String> form = http(d).get().uri("/login").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult();
        String xsrf = form.getResponseCookies().getFirst("XSRF-TOKEN").getValue();
        Matcher csrf = CSRF.matcher(form.getResponseBody());
        assertThat(csrf.find()).as("the login form's CSRF token").isTrue();
        EntityExchangeResult<Void> in = http(d).post().uri("/login").cookie("XSRF-TOKEN", xsrf)
                .body(BodyInserters.fromFormData("username", "viewer").with("password", SecuredPlatform.VIEWER_PASSWORD)
                        .with("_csrf", csrf.group(1)))
                .exchange().expectStatus().isFound().expectBody().isEmpty();
        return new Login(in.getResponseCookies().getFirst("SESSION").getValue(), xsrf);
    }

    /** Whether the dashboard's footer on {@code d} shows the degraded badge, as the page is rendered. */
    private static boolean badge(WireDispatcher d, Login login) {
        String page = http(d).get().uri("/dashboard").cookie("SESSION", login.session())
                .cookie("XSRF-TOKEN", login.xsrf()).exchange().expectStatus().isOk().expectBody(String.class)
                .returnResult().getResponseBody();
        Matcher badge = BADGE.matcher(page);
        assertThat(badge.find()).as("the footer's degraded badge element").isTrue();
        return !badge.group().contains("hidden");
    }

    /** Whether the live feed's next frame on {@code d} says degraded: an open page follows it without a reload. */
    private static boolean liveBadge(WireDispatcher d, Login login) {
        String frame = WebClient.create(d.baseUrl()).get().uri("/dashboard/events")
                .cookie("SESSION", login.session()).cookie("XSRF-TOKEN", login.xsrf()).retrieve()
                .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .filter(e -> "frame".equals(e.event())).map(ServerSentEvent::data).blockFirst(WAIT);
        return JSON.readTree(frame).path("summary").path("degraded").asBoolean();
    }

    /**
     * The readiness group's {@code sharedState} component: its status and {@code degraded} (the group's own
     * status also counts the engines' {@code /health}, which the recording engine does not serve).
     */
    private static String readiness(WireDispatcher d) {
        String body = Caller.VIEWER.as(http(d).get().uri("/actuator/health/readiness/sharedState")).exchange().expectBody(String.class)
                .returnResult().getResponseBody();
        JsonNode health = JSON.readTree(body);
        return health.path("status").asString() + " degraded=" + health.path("details").path("degraded").asString();
    }

    private static double gauge(WireDispatcher d, String name) {
        return d.meters().get(name).gauge().value();
    }

    private boolean bothDegraded() {
        return gauge(a, "sbs.state.degraded") == 1 && gauge(b, "sbs.state.degraded") == 1;
    }

    /** Sends one request to {@code to}, recording its answer's status (0 when the call itself failed). */
    private void send(WireDispatcher to, String requestId) {
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        answers.put(requestId, answer);
        to.client().post().uri("/v1/completions").contentType(MediaType.APPLICATION_JSON)
                .header("X-Request-Id", requestId)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":4,\"prompt\":[7,7,7,7,7,7,7,7]}")
                .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()))
                .subscribe(status -> {
                    if (status == 200 && bothDegraded()) {
                        answeredDegraded.incrementAndGet();
                    }
                    answer.complete(status);
                }, e -> answer.complete(0));
    }

    @Test
    void redisPaused_bothNodesDecideAlone_everyRequestAnsweredOnce_andTheyRejoin() throws Exception {
        redis = RedisServer.dedicated();
        engine = RecordingEngine.sglang("engine", 2);
        a = node("a");
        await().atMost(WAIT).until(() -> gauge(a, "sbs.leader") == 1);
        b = node("b");
        await().atMost(WAIT).until(() -> gauge(b, "sbs.leader.epoch") == gauge(a, "sbs.leader.epoch"));
        // a JVM starting beside another on a busy machine may stall the store's answers past the grace
        await().atMost(WAIT).until(() -> gauge(a, "sbs.state.degraded") == 0 && gauge(b, "sbs.state.degraded") == 0);

        // both nodes take requests, the standby's decided by the leader through the buffer
        AtomicInteger sent = new AtomicInteger();
        load = Flux.interval(Duration.ofMillis(40)).subscribe(t -> {
            int n = sent.incrementAndGet();
            send(n % 2 == 0 ? a : b, "r-" + n);
        });
        await().atMost(WAIT).until(() -> answers.values().stream().filter(f -> f.getNow(-1) == 200).count() >= 20);

        Login viewer = login(b);
        assertThat(badge(b, viewer)).as("no degraded badge while the store answers").isFalse();

        RedisClient client = RedisClient.create(RedisURI.create(redis.host(), redis.port()));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().clientPause(PAUSE_MS);
        } finally {
            client.shutdown();
        }
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(this::bothDegraded);
        // still ready (it serves), and says why it serves alone; the pause outlasts a slow health call
        assertThat(readiness(b)).isEqualTo("UP degraded=true");
        assertThat(badge(b, viewer)).as("the dashboard's degraded badge").isTrue();
        await().atMost(WAIT).until(() -> liveBadge(b, viewer));
        // served while the store is away, not held until it returns
        int before = answeredDegraded.get();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> answeredDegraded.get() >= before + 10);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .until(() -> gauge(a, "sbs.state.degraded") == 0 && gauge(b, "sbs.state.degraded") == 0);
        await().atMost(WAIT).until(() -> readiness(b).equals("UP degraded=false") && !badge(b, viewer)
                && !liveBadge(b, viewer));
        // and through the buffer again afterwards
        int rejoinedAt = sent.get();
        await().atMost(WAIT).until(() -> sent.get() >= rejoinedAt + 25);
        load.dispose();

        Map<String, Integer> statuses = answers.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join()));
        assertThat(statuses.values().stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting())))
                .as("answers by status").containsOnlyKeys(200);
        Map<String, Long> seen = engine.received().stream()
                .collect(Collectors.groupingBy(RecordingEngine.Received::requestId, Collectors.counting()));
        assertThat(seen.keySet()).as("every request reached the engine").isEqualTo(Set.copyOf(statuses.keySet()));
        assertThat(seen.values()).as("each exactly once").containsOnly(1L);
        assertThat(answeredDegraded).as("answered while both were degraded").hasValueGreaterThanOrEqualTo(10);
        String accepted = LeaderLease.key(CLUSTER, "accepted");
        await().atMost(WAIT).until(() -> redis.template().opsForStream().size(accepted).block(WAIT) == 0);
    }
}
