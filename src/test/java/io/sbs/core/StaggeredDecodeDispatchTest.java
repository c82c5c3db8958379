package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StaggeredDecodeDispatchTest {

    private final ClusterState cluster = new ClusterState(SchedulingPolicy.defaults(PolicyRegistry.SBS));
    private final StaggeredDecodeDispatch dispatch = new StaggeredDecodeDispatch(cluster,
            new IqrLexicographicDecodeAllocator(1.5));

    StaggeredDecodeDispatchTest() {
        cluster.addInstance("d0", Phase.DECODE, 2, 1, 10_000, 0);
    }

    @Test
    void arrival_isBufferedUntilTheTick_thenTheWindowIsPlacedTogetherLongestFirst() {
        assertThat(dispatch.onArrival(request(1, 100, 0), 0)).isEmpty();
        assertThat(dispatch.onArrival(request(2, 3_000, 0), MS)).isEmpty();
        assertThat(dispatch.buffered()).isEqualTo(2);
        assertThat(dispatch.onTick(50 * MS)).extracting(a -> a.request().id(), a -> a.unit().dpRank())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, 0), org.assertj.core.groups.Tuple.tuple(1L, 1));
        assertThat(dispatch.buffered()).isZero();
        assertThat(cluster.unit(new DpUnitId("d0", 0)).kvTokens()).isEqualTo(3_000);
    }

    @Test
    void tick_requestNoUnitHasMemoryFor_staysBuffered() {
        dispatch.onArrival(request(1, 20_000, 0), 0);
        assertThat(dispatch.onTick(50 * MS)).isEmpty();
        assertThat(dispatch.buffered()).isEqualTo(1);
    }

    @Test
    void nextTickAt_isNowPlusDelta() {
        assertThat(dispatch.nextTickAt(10 * MS)).isEqualTo(60 * MS);
        assertThat(dispatch.phase()).isEqualTo(Phase.DECODE);
        assertThat(dispatch.overloaded()).isFalse();
    }
}
