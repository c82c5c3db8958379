package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sbs.SbsApplication;
import io.sbs.security.SecuredPlatform;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.Leadership;
import io.sbs.state.RedisClusterServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A dispatcher on the {@code redis} profile pointed at a real Redis Cluster by Spring Boot's
 * {@code spring.data.redis.cluster.nodes}, as an operator would: it uses Lettuce's cluster client with the
 * profile's topology refresh and the service's socket options, leads, publishes its view and answers the
 * embedded demo load through the shared buffer; and it refuses {@code sbs.state.wait-replicas}, which a
 * cluster client cannot honour.
 */
class DispatcherOnRedisClusterIT {

    private static RedisClusterServers servers;

    @BeforeAll
    static void startCluster() throws Exception {
        servers = new RedisClusterServers(3, 0);
    }

    @AfterAll
    static void stopCluster() {
        if (servers != null) {
            servers.close();
        }
    }

    private static ConfigurableApplicationContext start(String node, String... more) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.main.banner-mode=off",
                "--spring.profiles.active=redis", "--sbs.state.cluster=cluster-it", "--sbs.state.node-id=" + node,
                "--spring.data.redis.cluster.nodes=" + String.join(",", servers.nodes()),
                "--SBS_VIEWER_PASSWORD=" + SecuredPlatform.VIEWER_PASSWORD,
                "--SBS_OPERATOR_PASSWORD=" + SecuredPlatform.OPERATOR_PASSWORD));
        args.addAll(List.of(more));
        return new SpringApplicationBuilder(SbsApplication.class).run(args.toArray(String[]::new));
    }

    @Test
    void aDispatcher_onTheClusterClient_leads_publishesItsView_andAnswersRequests() {
        try (ConfigurableApplicationContext node = start("cluster-node")) {
            LettuceConnectionFactory factory = node.getBean(LettuceConnectionFactory.class);
            assertThat(factory.isClusterAware()).isTrue();
            ClusterClientOptions options = (ClusterClientOptions) factory.getClientConfiguration().getClientOptions()
                    .orElseThrow();
            ClusterTopologyRefreshOptions refresh = options.getTopologyRefreshOptions();
            assertThat(refresh.isPeriodicRefreshEnabled()).isTrue();
            assertThat(refresh.getRefreshPeriod()).isEqualTo(Duration.ofSeconds(10));
            assertThat(refresh.getAdaptiveRefreshTriggers())
                    .isEqualTo(EnumSet.allOf(ClusterTopologyRefreshOptions.RefreshTrigger.class));
            assertThat(options.getSocketOptions().isKeepAlive()).as("the service's socket options").isTrue();

            Leadership leadership = node.getBean(Leadership.class);
            await().atMost(Duration.ofSeconds(15)).until(leadership::isLeader);
            ClusterStateStore store = node.getBean(ClusterStateStore.class);
            MeterRegistry meters = node.getBean(MeterRegistry.class);
            // the demo load's requests go through the shared buffer: accepted, claimed, assigned over pub/sub
            await().atMost(Duration.ofSeconds(30)).until(() -> store.leaderView()
                    .blockOptional(Duration.ofSeconds(2)).isPresent()
                    && meters.find("sbs.ttft").timers().stream().mapToLong(Timer::count).sum() >= 5);
        }
    }

    @Test
    void waitReplicas_onACluster_refusesTheStart_namingTheProperty() {
        assertThatThrownBy(() -> start("waiting-node", "--sbs.state.wait-replicas=1").close())
                .rootCause().hasMessageContaining("sbs.state.wait-replicas=1 is not supported on a Redis Cluster");
    }
}
