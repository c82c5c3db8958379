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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

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
}
