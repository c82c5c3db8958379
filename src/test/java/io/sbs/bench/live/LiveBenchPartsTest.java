package io.sbs.bench.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.engine.PromptTokens;
import io.sbs.sim.WorkloadRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** The live benchmark's pieces that need no process: what counts as a first token, lengths, outcomes, arrivals. */
class LiveBenchPartsTest {

    @Test
    void carriesContent_onlyChunksWithGeneratedText() {
        assertThat(StreamingClient.carriesContent("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok0 \"}}]}"))
                .isTrue();
        assertThat(StreamingClient.carriesContent("{\"choices\":[{\"index\":0,\"text\":\"tok0 \"}]}")).isTrue();
        // SGLang and vLLM open a chat stream with the role alone
        assertThat(StreamingClient.carriesContent("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                + "\"content\":\"\"}}]}")).isFalse();
        assertThat(StreamingClient.carriesContent("{\"error\":{\"message\":\"engine answered 503\",\"code\":502}}"))
                .isFalse();
        assertThat(StreamingClient.carriesContent("[DONE]")).isFalse();
        assertThat(StreamingClient.carriesContent("not json")).isFalse();
    }

    @Test
    void chatBody_isMeasuredAtTheAskedLength_byTheEstimateTheEngineUses() {
        PromptTokens estimate = PromptTokens.estimateOnly();
        JsonMapper json = JsonMapper.builder().build();
        for (int tokens : new int[] {1, 7, 1024, 3072}) {
            assertThat(estimate.measure(json.readTree(StreamingClient.chatBody(tokens, -1))))
                    .isEqualTo(new PromptTokens.Measurement(tokens, PromptTokens.Source.ESTIMATE));
        }
        assertThat(json.readTree(StreamingClient.chatBody(5, 3)).path("data_parallel_rank").asInt()).isEqualTo(3);
        assertThat(json.readTree(StreamingClient.chatBody(5, -1)).has("data_parallel_rank")).isFalse();
    }

    @Test
    void runResult_statusesAddUp_warmupExcluded_unfinishedCountedWithTheirWaitSoFar() {
        long start = 1_000_000_000L;
        Outcome early = answered(start, 5_000_000); // in the first tenth: sent, not measured
        Outcome fast = answered(start + 200_000_000L, 10_000_000);
        Outcome refused = new Outcome(start + 300_000_000L, 100);
        refused.status(429);
        refused.ended();
        Outcome open = new Outcome(start + 400_000_000L, 100); // no answer by the deadline
        Outcome reset = new Outcome(start + 500_000_000L, 100);
        reset.ended();
        long deadline = start + 1_400_000_000L;
        StreamingClient.Replay replay = new StreamingClient.Replay(new Outcome[] {early, fast, refused, open, reset},
                start, deadline);

        RunResult r = RunResult.of("sbs", 0.5, 10, replay, 100_000_000L,
                new RunResult.Cpu(0, 0, 0, 0, 0, 0), Map.of(), 1);

        assertThat(r.statuses()).containsExactlyInAnyOrderEntriesOf(
                Map.of("200", 2L, "429", 1L, Outcome.UNFINISHED, 1L, Outcome.TRANSPORT_ERROR, 1L));
        assertThat(r.sent()).isEqualTo(5);
        assertThat(r.measured()).isEqualTo(2);
        assertThat(r.unfinished()).isEqualTo(1);
        assertThat(r.ttft().meanMs()).isEqualTo((10 + 1000) / 2.0);
    }

    @Test
    void arrivals_sameSeedSameList_lengthsIndependentOfTheRate(@TempDir Path out) {
        LiveBench bench = new LiveBench(new LiveBench.Options(out, 2, "paper", List.of(0.4), List.of("sbs"), false, 10,
                7, 0, 1, null, 0, 1, List.of(), List.of()));
        List<WorkloadRequest> a = bench.arrivals(50, 10, 7);
        List<WorkloadRequest> again = bench.arrivals(50, 10, 7);
        List<WorkloadRequest> faster = bench.arrivals(100, 10, 7);

        assertThat(a).hasSizeBetween(400, 600);
        assertThat(a.get(a.size() - 1).arrivalNanos()).isLessThan(10_000_000_000L);
        assertThat(again.stream().map(WorkloadRequest::arrivalNanos).toList())
                .isEqualTo(a.stream().map(WorkloadRequest::arrivalNanos).toList());
        assertThat(faster.subList(0, a.size()).stream().map(WorkloadRequest::promptTokens).toList())
                .isEqualTo(a.stream().map(WorkloadRequest::promptTokens).toList());
        assertThat(a).allSatisfy(r -> assertThat(r.promptTokens()).isBetween(1, 3072));
    }

    private static Outcome answered(long due, long ttftNanos) {
        Outcome o = new Outcome(due, 100);
        o.sent(due);
        o.status(200);
        o.firstContent(due + ttftNanos);
        o.ended();
        return o;
    }
}
