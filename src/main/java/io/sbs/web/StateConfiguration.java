package io.sbs.web;

import io.lettuce.core.SocketOptions;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sbs.cluster.EngineCluster;
import io.sbs.config.SbsProperties;
import io.sbs.control.Admission;
import io.sbs.control.ClusterView;
import io.sbs.control.DegradedMode;
import io.sbs.control.LocalAdmission;
import io.sbs.control.PolicyService;
import io.sbs.control.ReadinessWindow;
import io.sbs.control.SharedAdmission;
import io.sbs.core.SchedulingPolicy;
import io.sbs.engine.EndForwardPayload;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.InMemoryClusterStateStore;
import io.sbs.state.LeaderElection;
import io.sbs.state.LeaderLease;
import io.sbs.state.Leadership;
import io.sbs.state.RedisClusterStateStore;
import io.sbs.state.SoleNode;
import io.sbs.state.StateShutdown;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * Where shared state lives ({@code sbs.state.store}): in memory for one node (the embedded default), or in
 * Redis for an active and a standby scheduler, with the leader lease deciding which of them dispatches.
 */
@Configuration(proxyBeanMethods = false)
class StateConfiguration {

    private static boolean redis(SbsProperties properties) {
        return properties.state().store().equals("redis");
    }

    @Bean
    ClusterStateStore clusterStateStore(SbsProperties properties,
            ObjectProvider<ReactiveRedisConnectionFactory> connections) {
        if (!redis(properties)) {
            return new InMemoryClusterStateStore(Clock.systemUTC());
        }
        ReactiveRedisConnectionFactory factory = connections.getObject();
        if (properties.state().waitReplicas() > 0 && factory instanceof LettuceConnectionFactory lettuce
                && lettuce.isClusterAware()) {
            // WAIT has no key, so a cluster client sends it to any node: it would count that node's replicas,
            // not those of the master that took the write, and report a replication that never happened
            throw new IllegalStateException("sbs.state.wait-replicas=" + properties.state().waitReplicas()
                    + " is not supported on a Redis Cluster (spring.data.redis.cluster.nodes); set it to 0");
        }
        return new RedisClusterStateStore(new ReactiveStringRedisTemplate(factory), properties.state().cluster(),
                Clock.systemUTC(), factory instanceof RedisConnectionFactory blocking ? blocking : null,
                properties.state().waitReplicas(), properties.state().waitTimeout());
    }

    @Bean(destroyMethod = "close")
    Leadership leadership(SbsProperties properties, ObjectProvider<ReactiveRedisConnectionFactory> connections) {
        SbsProperties.State state = properties.state();
        if (!redis(properties)) {
            return new SoleNode(state.nodeId());
        }
        LeaderLease lease = new LeaderLease(new ReactiveStringRedisTemplate(connections.getObject()), state.cluster(),
                state.nodeId(), state.leaseTtl());
        return new LeaderElection(lease, state.timings(), System::nanoTime).start();
    }

    /** The leader's view for every node's reads, published each second; ten minutes of interval history. */
    @Bean(destroyMethod = "close")
    ClusterView clusterView(ClusterStateStore store, Leadership leadership, DispatchLoop loop) {
        return new ClusterView(store, leadership, loop, Duration.ofSeconds(1), 600, Clock.systemUTC()).start();
    }

    /**
     * Readiness decisions by source over the last minute (the admin API's {@code recentReadiness}, the
     * dashboard's readiness table and warning), sampled from the leader's view as often as it is refreshed.
     */
    @Bean(destroyMethod = "close")
    ReadinessWindow readinessWindow(ClusterView view) {
        return new ReadinessWindow(Duration.ofMinutes(1), Clock.systemUTC()).start(view, Duration.ofSeconds(1));
    }

    /**
     * Whether the shared store answers, probed every fifth of {@code sbs.state.degraded-grace} with a read
     * of this node's heartbeat; never degraded with the in-memory store or with the grace at 0.
     */
    @Bean(destroyMethod = "close")
    DegradedMode degradedMode(SbsProperties properties, ClusterStateStore store, Leadership leadership) {
        SbsProperties.State state = properties.state();
        Duration grace = state.degradedGrace();
        DegradedMode mode = new DegradedMode(leadership.nodeId(), grace.isZero() ? Duration.ofDays(1) : grace,
                System::nanoTime);
        if (!redis(properties) || grace.isZero()) {
            return mode;
        }
        if (leadership instanceof LeaderElection election) {
            election.onLeaseAnswered(mode::leaseAnswered);
        }
        return mode.start(store.alive(leadership.nodeId()), grace.dividedBy(5));
    }

    /** How requests get their DP units: this node's loop alone, or the leader's through the shared buffer. */
    @Bean
    Admission admission(SbsProperties properties, ClusterStateStore store, Leadership leadership, DispatchLoop loop,
            EngineCluster engines, DispatcherMetrics metrics, DegradedMode degradedMode) {
        if (!redis(properties)) {
            return new LocalAdmission(loop);
        }
        SbsProperties.State state = properties.state();
        // a heartbeat older than four renewals marks a node dead: its entries go before a takeover completes
        Duration ttl = state.renewPeriod().multipliedBy(4).compareTo(state.leaseTtl()) < 0
                ? state.renewPeriod().multipliedBy(4) : state.leaseTtl();
        SharedAdmission shared = new SharedAdmission(store, leadership, loop, properties.maxBuffered(),
                state.decisionTimeout(), state.renewPeriod(), ttl,
                state.degradedGrace().isZero() ? null : degradedMode);
        // the relaying node checked the push against its own instances; the leader checks it against its own
        shared.onRelayedEndForward(payload -> {
            try {
                loop.onForwardEnded(EndForwardPayload.parse(payload, loop.now(), 0, engines::dpUnitsOf));
                metrics.endForwardApplied("relayed");
            } catch (EndForwardPayload.Refused e) {
                metrics.endForwardRejected(e.reason());
            }
        });
        return shared.start();
    }

    /**
     * Lettuce's socket for the shared state: TCP keep-alive and a user timeout, so a master that vanished
     * without closing the connection (a node lost, a partition) is noticed in seconds and the client
     * reconnects, through the Sentinels to whichever master they name now. Commands sent meanwhile wait for
     * the reconnect (up to {@code spring.data.redis.timeout}), so a Sentinel failover shows as a pause rather
     * than as errors; that is safe because the lease counts from when a renewal was sent and every late
     * write is fenced.
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer sbsRedisClientOptions() {
        return options -> options
                .socketOptions(SocketOptions.builder()
                        .keepAlive(SocketOptions.KeepAliveOptions.builder().enable().idle(Duration.ofSeconds(2))
                                .interval(Duration.ofSeconds(1)).count(3).build())
                        .tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder().enable()
                                .tcpUserTimeout(Duration.ofSeconds(5)).build())
                        .build());
    }

    /**
     * {@code sbs_leader} (1 on the leader), {@code sbs_leader_epoch}, {@code sbs_state_fenced_writes_total},
     * {@code sbs_shared_waiting} (requests this node accepted that wait for a leader's decision),
     * {@code sbs_shared_messages_rejected_total} and {@code sbs_state_unreplicated_accepts_total}.
     */
    @Bean
    MeterBinder stateMeters(Leadership leadership, Admission admission, ClusterStateStore store) {
        return registry -> {
            Gauge.builder("sbs.leader", leadership, l -> l.isLeader() ? 1 : 0)
                    .description("1 while this node leads").register(registry);
            Gauge.builder("sbs.leader.epoch", leadership, l -> l.status().epoch())
                    .description("the lease epoch this node last saw").register(registry);
            FunctionCounter.builder("sbs.state.fenced.writes", leadership, Leadership::fencedWrites)
                    .description("writes of this node the store refused as fenced").register(registry);
            if (admission instanceof SharedAdmission shared) {
                Gauge.builder("sbs.shared.waiting", shared, SharedAdmission::waiting)
                        .description("accepted requests of this node waiting for a leader's decision")
                        .register(registry);
                // another node on another build (its messages of another version), or a garbled message
                FunctionCounter.builder("sbs.shared.messages.rejected", shared, SharedAdmission::rejectedMessages)
                        .description("admission messages from other nodes dropped: another format version, or malformed")
                        .register(registry);
            }
            if (store instanceof RedisClusterStateStore redis) {
                FunctionCounter.builder("sbs.state.unreplicated.accepts", redis,
                                RedisClusterStateStore::unreplicatedAccepts)
                        .description("accepted requests fewer replicas than sbs.state.wait-replicas acknowledged")
                        .register(registry);
            }
        };
    }

    /**
     * {@code sbs_state_degraded} (1 while this node decides its requests alone, the store being unreachable)
     * and {@code sbs_state_degraded_seconds_total} (time spent so, which the Sentinel drill reads).
     */
    @Bean
    MeterBinder degradedMeters(DegradedMode degradedMode) {
        return registry -> {
            Gauge.builder("sbs.state.degraded", degradedMode, m -> m.degraded() ? 1 : 0)
                    .description("1 while this node decides its requests alone: the shared store is unreachable")
                    .register(registry);
            FunctionCounter.builder("sbs.state.degraded.seconds", degradedMode, DegradedMode::degradedSeconds)
                    .description("time this node spent deciding its requests alone").register(registry);
        };
    }

    /** {@code sharedState} in {@code /actuator/health} and in the readiness group: degraded or not. */
    @Bean
    SharedStateHealthIndicator sharedStateHealthIndicator(DegradedMode degradedMode) {
        return new SharedStateHealthIndicator(degradedMode);
    }

    /** This node's use of the shared state, ended in order on a normal stop while Redis is still reachable. */
    @Bean
    StateShutdown stateShutdown(Admission admission, PolicyService policies, ReadinessWindow readiness,
            ClusterView view, Leadership leadership, DegradedMode degradedMode) {
        List<AutoCloseable> inOrder = new ArrayList<>();
        // its probe would take the closing connection for an outage
        inOrder.add(degradedMode);
        if (admission instanceof AutoCloseable closeable) {
            inOrder.add(closeable);
        }
        inOrder.addAll(List.of(policies, readiness, view, leadership));
        return new StateShutdown(StateShutdown.USERS, inOrder);
    }

    /** {@code leadership} in {@code /actuator/health}. */
    @Bean
    LeadershipHealthIndicator leadershipHealthIndicator(Leadership leadership) {
        return new LeadershipHealthIndicator(leadership);
    }

    @Bean(destroyMethod = "close")
    PolicyService policyService(SbsProperties properties, ClusterStateStore store, Leadership leadership,
            DispatchLoop loop, EngineCluster engines) {
        // the first stored policy converts cached blocks at the size the ingress hashes in, as the loop's does
        return new PolicyService(store, leadership, loop, SchedulingPolicy.defaults(properties.policy()).toBuilder()
                .cacheBlockTokens(engines.cacheBlockTokens()).build(), properties.state().policySync()).start();
    }
}
