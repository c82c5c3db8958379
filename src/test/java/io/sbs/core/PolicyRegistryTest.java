package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class PolicyRegistryTest {

    private final PolicyRegistry registry = PolicyRegistry.standard();

    static List<String> names() {
        return PolicyRegistry.standard().names();
    }

    @Test
    void names_areTheBuiltInStrategiesInRegistrationOrder() {
        assertThat(registry.names()).containsExactly(PolicyRegistry.SBS, PolicyRegistry.SBS_CACHE,
                PolicyRegistry.ROUND_ROBIN, PolicyRegistry.LEAST_OUTSTANDING_TOKENS, PolicyRegistry.LEAST_LOADED_INSTANCE,
                PolicyRegistry.POWER_OF_TWO, PolicyRegistry.CACHE_AWARE, PolicyRegistry.EARLIEST_FINISH_TIME,
                PolicyRegistry.EFT_CACHE, PolicyRegistry.LEAST_KV_TOKENS, PolicyRegistry.KV_BATCH_BALANCED, PolicyRegistry.STEP_COST_BALANCED);
        assertThatThrownBy(() -> registry.names().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void unknownName_isRejected_listingTheKnownOnes() {
        assertThat(registry.contains("fifo")).isFalse();
        assertThatThrownBy(() -> registry.get("fifo")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fifo").hasMessageContaining("round-robin");
        ClusterState c = Fixtures.prefillCluster(1, 1, 100);
        assertThatThrownBy(() -> registry.prefill("fifo", c, new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.decode("fifo", c, new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyName_buildsAPrefillDispatchThatPlacesWork(String name) {
        ClusterState c = Fixtures.prefillCluster(SchedulingPolicy.defaults(name), 2, 2, 1000);
        PhaseDispatch prefill = registry.prefill(name, c, new SplittableRandom(1));
        PolicyRegistry.Definition d = registry.get(name);
        assertThat(prefill.phase()).isEqualTo(Phase.PREFILL);
        assertThat(prefill).isInstanceOf(d.staggered() ? StaggeredPrefillDispatch.class : ImmediateDispatch.class);
        List<Assignment> sent = new ArrayList<>(prefill.onArrival(request(1, 300), 0));
        sent.addAll(prefill.onTick(prefill.nextTickAt(0)));
        assertThat(sent).extracting(a -> a.request().id()).containsExactly(1L);
        assertThat(c.unit(sent.get(0).unit()).outstandingTokens()).isEqualTo(300);
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyName_buildsADecodeDispatchThatPlacesWork(String name) {
        ClusterState c = new ClusterState(SchedulingPolicy.defaults(name));
        c.addInstance("d0", Phase.DECODE, 2, 1, 100_000, 0);
        PhaseDispatch decode = registry.decode(name, c, new SplittableRandom(1));
        PolicyRegistry.Definition d = registry.get(name);
        assertThat(decode.phase()).isEqualTo(Phase.DECODE);
        assertThat(decode).isInstanceOf(d.staggered() ? StaggeredDecodeDispatch.class : ImmediateDispatch.class);
        List<Assignment> sent = new ArrayList<>(decode.onArrival(request(1, 300, 50), 0));
        sent.addAll(decode.onTick(decode.nextTickAt(0)));
        assertThat(sent).extracting(a -> a.request().id()).containsExactly(1L);
        // a watchdog fire on the tick may forget the unreported KV; the router-side count stays
        assertThat(c.unit(sent.get(0).unit()).outstandingRequests()).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyName_hasADescriptionAndADecodeAllocatorName(String name) {
        PolicyRegistry.Definition d = registry.get(name);
        assertThat(d.name()).isEqualTo(name);
        assertThat(d.description()).isNotBlank();
        assertThat(d.decodeAllocatorName()).isIn("iqr-step-cost", "round-robin", "least-batch", "least-kv-tokens",
                "kv-batch-balanced", "step-cost-balanced");
        assertThat(d.staggered()).isEqualTo(name.startsWith("sbs"));
    }

    @Test
    void staggeredStrategies_bufferWhileEveryInstanceIsBusy_immediateOnesDoNot() {
        for (String name : names()) {
            ClusterState c = Fixtures.prefillCluster(SchedulingPolicy.defaults(name), 1, 1, 1000);
            PhaseDispatch prefill = registry.prefill(name, c, new SplittableRandom(1));
            prefill.onArrival(request(1, 900), 0);
            List<Assignment> second = prefill.onArrival(request(2, 900), MS);
            assertThat(second).as(name).hasSize(registry.get(name).staggered() ? 0 : 1);
        }
    }

    @Test
    void prefill_cacheAwareStrategies_chargeUncachedTokens_theOthersWholePrompts() {
        ClusterState c = Fixtures.prefillCluster(1, 2, 1000);
        for (String name : names()) {
            registry.prefill(name, c, new SplittableRandom(1));
            boolean cacheAware = List.of(PolicyRegistry.SBS_CACHE, PolicyRegistry.CACHE_AWARE, PolicyRegistry.EFT_CACHE)
                    .contains(name);
            assertThat(c.chargesUncachedTokens()).as(name).isEqualTo(cacheAware);
            assertThat(registry.chargesUncachedTokens(name)).as(name).isEqualTo(cacheAware);
        }
    }
}
