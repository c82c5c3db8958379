package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sbs.SbsApplication;
import io.sbs.security.SecuredPlatform;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.LeaderLease;
import io.sbs.state.Leadership;
import io.sbs.state.RedisServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A normal stop of a leading node on a real Redis: lease renewal, admission, policy sync and the view end
 * before the Redis connection closes, so the stop logs no warning and the lease is released (a standby
 * takes over at once, not after the lease's time to live).
 */
@ExtendWith(OutputCaptureExtension.class)
class QuietStopIT {

    private static final String CLUSTER = "quiet-stop-it";

    @Test
    void normalStop_ofTheLeader_releasesTheLease_andLogsNoWarning(CapturedOutput output) throws Exception {
        RedisServer redis = RedisServer.shared();
        ReactiveStringRedisTemplate template = redis.flushed();
        ConfigurableApplicationContext node = new SpringApplicationBuilder(SbsApplication.class).run("--server.port=0",
                "--spring.main.banner-mode=off", "--sbs.state.store=redis", "--sbs.state.cluster=" + CLUSTER,
                "--sbs.state.node-id=quiet-node", "--spring.data.redis.host=" + redis.host(),
                "--spring.data.redis.port=" + redis.port(), "--SBS_VIEWER_PASSWORD=" + SecuredPlatform.VIEWER_PASSWORD,
                "--SBS_OPERATOR_PASSWORD=" + SecuredPlatform.OPERATOR_PASSWORD);
        Leadership leadership = node.getBean(Leadership.class);
        await().atMost(Duration.ofSeconds(15)).until(leadership::isLeader);
        // the stop begins while the view is published and the demo load's requests go through admission
        ClusterStateStore store = node.getBean(ClusterStateStore.class);
        MeterRegistry meters = node.getBean(MeterRegistry.class);
        await().atMost(Duration.ofSeconds(15)).until(() -> store.leaderView().blockOptional(Duration.ofSeconds(2))
                .isPresent() && meters.find("sbs.ttft").timers().stream().mapToLong(Timer::count).sum() > 0);
        int before = output.length();

        node.close();

        String stopping = output.toString().substring(before);
        assertThat(stopping).doesNotContain(" WARN ").doesNotContain(" ERROR ").doesNotContain("STOPPED");
        assertThat(template.hasKey(LeaderLease.key(CLUSTER, "lease")).block(Duration.ofSeconds(5)))
                .as("lease released on stop").isFalse();
    }

    /**
     * Spring Boot's default event loops and connection pool are Reactor Netty's global ones, which a stopping
     * context disposes: it cut what any other user of the JVM had in flight on them (a client of another
     * dispatcher started in the same JVM, as IngressIT's context still is when this class runs after it), and
     * Reactor Netty logged each as a WARN. The dispatcher owns its resources and leaves those alone.
     */
    @Test
    void normalStop_leavesAnAnswerInFlightOnReactorNettysGlobalPoolAlone(CapturedOutput output) throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        LoopResources loops = LoopResources.create("quiet-stop-slow", 1, true);
        DisposableServer slow = HttpServer.create().runOn(loops).host("127.0.0.1").port(0)
                .route(r -> r.get("/slow", (req, res) -> {
                    asked.countDown();
                    return res.sendString(Mono.delay(Duration.ofSeconds(2)).thenReturn("answered"));
                })).bindNow(Duration.ofSeconds(10));
        try (ConfigurableApplicationContext node = new SpringApplicationBuilder(SbsApplication.class).run(
                "--server.port=0", "--spring.main.banner-mode=off", "--sbs.embedded.demo-qps=0",
                "--SBS_VIEWER_PASSWORD=" + SecuredPlatform.VIEWER_PASSWORD,
                "--SBS_OPERATOR_PASSWORD=" + SecuredPlatform.OPERATOR_PASSWORD)) {
            // HttpClient.create() takes its connection from the global pool
            CompletableFuture<String> answer = HttpClient.create().get().uri("http://127.0.0.1:" + slow.port() + "/slow")
                    .responseContent().aggregate().asString().toFuture();
            assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
            int before = output.length();

            node.close();

            assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("answered");
            assertThat(output.toString().substring(before)).doesNotContain(" WARN ");
        } finally {
            slow.disposeNow(Duration.ofSeconds(5));
            loops.disposeLater().block(Duration.ofSeconds(10));
        }
    }
}
