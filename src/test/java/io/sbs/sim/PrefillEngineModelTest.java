package io.sbs.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrefillEngineModelTest {

    private static EngineProfile.Prefill shape(int cacheBlocks) {
        // 2 units of 1000 tokens; pass = 10 ms + 0.01 ms/token on the straggler + 0.001 ms/token overall
        return new EngineProfile.Prefill(1, 2, 1000, EngineProfile.ChunkSemantics.PER_UNIT, 10, 0.01, 0.001, 0, 0,
                cacheBlocks, 100);
    }

    @Test
    void startPass_nothingQueued_returnsNullAndStaysIdle() {
        PrefillEngineModel m = new PrefillEngineModel(shape(0));
        assertThat(m.startPass(new SplittableRandom(1), 1)).isNull();
        assertThat(m.idle()).isTrue();
    }

    @Test
    void startPass_chunksLongPrompts_andTimesThePassByTheStraggler() {
        PrefillEngineModel m = new PrefillEngineModel(shape(0));
        m.receive(1, 2500, new long[0], 0);
        m.receive(2, 300, new long[0], 1);
        PrefillEngineModel.Pass p = m.startPass(new SplittableRandom(1), 1);
        assertThat(p.tokens()).containsExactly(1000, 300);
        assertThat(p.durationNanos()).isEqualTo(Math.round((10 + 0.01 * 1000 + 0.001 * 1300) * 1_000_000));
        assertThat(p.finishing()).containsExactly(2);
        assertThat(p.starting()).containsExactly(1, 2);
        assertThat(m.backlog()).containsExactly(1500, 0);
        assertThat(m.takeReceived()).containsExactly(2500, 300);
        assertThat(m.takeReceived()).containsExactly(0, 0);
        m.passEnded();
        PrefillEngineModel.Pass second = m.startPass(new SplittableRandom(1), 2);
        assertThat(second.tokens()).containsExactly(1000, 0);
        assertThat(second.starting()).isEmpty();
        assertThat(second.durationNanos()).isEqualTo(Math.round((10 + 10 + 1) * 2 * 1_000_000.0));
    }

    @Test
    void receive_cachedPrefix_isNotComputedAgain() {
        PrefillEngineModel m = new PrefillEngineModel(shape(16));
        m.receive(1, 450, new long[] {7, 8, 9, 10, 11}, 0);
        m.startPass(new SplittableRandom(1), 1);
        m.passEnded();
        m.receive(2, 450, new long[] {7, 8, 9, 10, 12}, 0);
        assertThat(m.startPass(new SplittableRandom(1), 1).tokens()).containsExactly(50, 0);
    }

    @Test
    void clear_dropsEverythingQueued() {
        PrefillEngineModel m = new PrefillEngineModel(shape(0));
        m.receive(1, 2500, new long[0], 0);
        m.receive(2, 100, new long[0], 0);
        m.startPass(new SplittableRandom(1), 1);
        assertThat(m.clear()).containsExactlyInAnyOrder(1, 2);
        assertThat(m.idle()).isTrue();
    }
}
