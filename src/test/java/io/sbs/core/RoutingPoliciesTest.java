package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What every immediate-dispatch baseline shares: it routes only to candidate instances. */
class RoutingPoliciesTest {

    private static Arguments policy(String name, Supplier<RoutingPolicy> factory) {
        return Arguments.of(Named.of(name, factory));
    }

    static Stream<Arguments> policies() {
        return Stream.of(
                policy("round robin", RoundRobinPolicy::new),
                policy("least outstanding tokens", LeastOutstandingTokensPolicy::new),
                policy("least-loaded instance", LeastLoadedInstancePolicy::new),
                policy("power of two", () -> new PowerOfTwoChoicesPolicy(new SplittableRandom(1))),
                policy("cache aware", CacheAwareRoutingPolicy::new),
                policy("earliest finish time", EarliestFinishTimePolicy::new));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void route_healthyAndSuspectInstances_onlyEverPicksTheHealthyOne(Supplier<RoutingPolicy> factory) {
        ClusterState cluster = Fixtures.prefillCluster(3, 2, 1000);
        InstanceState p0 = cluster.instance("p0");
        long t = 0;
        for (int i = 0; i < 3; i++) {
            cluster.recordDispatch(new Assignment(request(i, 10), new DpUnitId("p0", 0)), Phase.PREFILL, t);
            t = p0.watchdogDeadlineNanos();
            cluster.checkWatchdogs(Phase.PREFILL, t);
        }
        cluster.instance("p2").draining(true);
        assertThat(p0.suspect()).isTrue();
        RoutingPolicy policy = factory.get();
        for (int i = 0; i < 20; i++) {
            assertThat(policy.route(new InferenceRequest(i, 100 + i, 10, i, new long[] {1}), cluster, t).instanceId())
                    .isEqualTo("p1");
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void route_everyInstanceSuspect_stillRoutes(Supplier<RoutingPolicy> factory) {
        ClusterState cluster = Fixtures.prefillCluster(1, 2, 1000);
        InstanceState p0 = cluster.instance("p0");
        long t = 0;
        for (int i = 0; i < 3; i++) {
            cluster.recordDispatch(new Assignment(request(i, 10), new DpUnitId("p0", 0)), Phase.PREFILL, t);
            t = p0.watchdogDeadlineNanos();
            cluster.checkWatchdogs(Phase.PREFILL, t);
        }
        assertThat(p0.suspect()).isTrue();
        assertThat(factory.get().route(request(9, 100), cluster, t)).isNotNull();
    }

    @ParameterizedTest
    @MethodSource("policies")
    void route_everyInstanceDraining_returnsNull(Supplier<RoutingPolicy> factory) {
        ClusterState cluster = Fixtures.prefillCluster(2, 2, 1000);
        cluster.instance("p0").draining(true);
        cluster.instance("p1").draining(true);
        assertThat(factory.get().route(request(1, 100), cluster, 0)).isNull();
    }
}
