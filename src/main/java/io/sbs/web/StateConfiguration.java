package io.sbs.web;

import io.sbs.control.Admission;
import io.sbs.control.LocalAdmission;
import io.sbs.control.PolicyService;
import io.sbs.control.SharedAdmission;
import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.InMemoryClusterStateStore;
import io.sbs.state.LeaderElection;
import io.sbs.state.LeaderLease;
import io.sbs.state.Leadership;
import io.sbs.state.RedisClusterStateStore;
import io.sbs.state.SoleNode;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
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
        return new RedisClusterStateStore(new ReactiveStringRedisTemplate(connections.getObject()),
                properties.state().cluster(), Clock.systemUTC());
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

    /** How requests get their DP units: this node's loop alone, or the leader's through the shared buffer. */
    @Bean
    Admission admission(SbsProperties properties, ClusterStateStore store, Leadership leadership, DispatchLoop loop) {
        if (!redis(properties)) {
            return new LocalAdmission(loop);
        }
        SbsProperties.State state = properties.state();
        // a heartbeat older than four renewals marks a node dead: its entries go before a takeover completes
        Duration ttl = state.renewPeriod().multipliedBy(4).compareTo(state.leaseTtl()) < 0
                ? state.renewPeriod().multipliedBy(4) : state.leaseTtl();
        return new SharedAdmission(store, leadership, loop, properties.maxBuffered(), state.decisionTimeout(),
                state.renewPeriod(), ttl).start();
    }

    /** {@code leadership} in {@code /actuator/health}. */
    @Bean
    LeadershipHealthIndicator leadershipHealthIndicator(Leadership leadership) {
        return new LeadershipHealthIndicator(leadership);
    }

    @Bean(destroyMethod = "close")
    PolicyService policyService(SbsProperties properties, ClusterStateStore store, Leadership leadership,
            DispatchLoop loop) {
        return new PolicyService(store, leadership, loop, SchedulingPolicy.defaults(properties.policy()),
                properties.state().policySync()).start();
    }
}
