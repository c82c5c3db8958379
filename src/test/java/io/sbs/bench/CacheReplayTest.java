package io.sbs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.bench.io.ProfileLoader;
import io.sbs.bench.io.TraceFormat;
import io.sbs.core.PolicyRegistry;
import io.sbs.sim.EngineProfile;
import io.sbs.sim.PrefillResult;
import io.sbs.sim.Signals;
import io.sbs.sim.WorkloadRequest;
import io.sbs.sim.workload.TimeScale;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The prefix-cache ordering of issue 13 on the first 2,000 requests of the Mooncake conversation trace, as
 * the {@code mooncake-conversation} replay scenario runs it (profile {@code long}, its time scale, stock
 * signals, seed 1): {@code sbs-cache} at most 0.9 of plain {@code sbs}'s mean TTFT and no more than the
 * cache-aware router's or {@code eft-cache}'s, with a hit ratio within 5 points of the best. Ratios of one
 * run, deterministic for the seed. The trace is read where the benchmarks read it (../shared/traces).
 */
class CacheReplayTest {

    private static final Path TRACE = Path.of("../shared/traces/conversation_trace.jsonl");

    @Test
    void replay_conversationSlice_sbsCacheAheadOfEveryCacheBaseline() {
        assertThat(TRACE).as("the Mooncake conversation trace, see ../shared/traces/README.md").isRegularFile();
        ReplaySuite.Scenario scenario = ReplaySuite.Scenario.named("mooncake-conversation");
        EngineProfile profile = ProfileLoader.load(scenario.profile());
        List<WorkloadRequest> workload = TimeScale.scale(TraceFormat.MOONCAKE.read(TRACE).subList(0, 2000),
                scenario.timeScale());
        Map<String, PrefillResult> r = new HashMap<>();
        for (String policy : List.of(PolicyRegistry.SBS, PolicyRegistry.SBS_CACHE, PolicyRegistry.CACHE_AWARE,
                PolicyRegistry.EFT_CACHE)) {
            r.put(policy, ReplaySuite.simulate(profile, workload, policy, 1, Signals.STOCK));
        }
        double sbsCache = r.get(PolicyRegistry.SBS_CACHE).ttft().mean();
        assertThat(sbsCache).isLessThanOrEqualTo(0.9 * r.get(PolicyRegistry.SBS).ttft().mean());
        assertThat(sbsCache).isLessThanOrEqualTo(r.get(PolicyRegistry.CACHE_AWARE).ttft().mean());
        assertThat(sbsCache).isLessThanOrEqualTo(r.get(PolicyRegistry.EFT_CACHE).ttft().mean());
        double bestHit = r.values().stream().mapToDouble(PrefillResult::cacheHitRatio).max().orElseThrow();
        assertThat(r.get(PolicyRegistry.SBS_CACHE).cacheHitRatio()).isGreaterThanOrEqualTo(bestHit - 0.05);
        // the caches do work here, and plain sbs, blind to them, gets little from them
        assertThat(r.get(PolicyRegistry.SBS_CACHE).cacheHitRatio()).isGreaterThan(2 * r.get(PolicyRegistry.SBS).cacheHitRatio());
        for (PrefillResult p : r.values()) {
            assertThat(p.completed()).as(p.policy()).isEqualTo(2000);
        }
    }
}
