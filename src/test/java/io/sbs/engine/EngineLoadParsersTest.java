package io.sbs.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class EngineLoadParsersTest {

    @Test
    void sglangGetLoad_perRankArray_splitsRunningFromWaiting() {
        EngineLoad load = SglangLoadParser.parse("""
                [{"dp_rank": 1, "num_reqs": 5, "num_waiting_reqs": 2, "num_tokens": 4096, "ts_tic": 1.5},
                 {"dp_rank": 0, "num_reqs": 0, "num_waiting_reqs": 0, "num_tokens": 0}]""");
        assertThat(load.ranks()).containsExactly(new RankLoad(0, 0, 0, 0, -1), new RankLoad(1, 3, 2, 4096, -1));
        assertThat(load.idle()).isFalse();
    }

    @Test
    void sglangGetLoad_allZero_isIdle_andSingleObjectIsRankZero() {
        assertThat(SglangLoadParser.parse("[{\"dp_rank\":0,\"num_reqs\":0,\"num_waiting_reqs\":0,\"num_tokens\":0}]").idle())
                .isTrue();
        assertThat(SglangLoadParser.parse("{\"num_reqs\": 2, \"num_waiting_reqs\": 1, \"num_tokens\": 7}").ranks())
                .containsExactly(new RankLoad(0, 1, 1, 7, -1));
    }

    @Test
    void sglangGetLoad_badBodies_areClearErrors() {
        assertThatThrownBy(() -> SglangLoadParser.parse("<html>")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> SglangLoadParser.parse("[{\"dp_rank\": 3}]")).hasMessageContaining("rank 3")
                .hasMessageContaining("num_reqs");
        assertThatThrownBy(() -> SglangLoadParser.parse("42")).hasMessageContaining("array");
    }

    @Test
    void vllmMetrics_readsTheThreeGaugesPerEngineLabel() {
        EngineLoad load = VllmMetricsParser.parse("""
                # HELP vllm:num_requests_running Number of requests in model execution batches.
                # TYPE vllm:num_requests_running gauge
                vllm:num_requests_running{engine="0",model_name="m"} 3.0
                vllm:num_requests_running{engine="1",model_name="m"} 0.0
                vllm:num_requests_waiting{engine="0",model_name="m"} 1.0
                vllm:num_requests_waiting{engine="1",model_name="m"} 0.0
                vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25
                vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.0
                vllm:prompt_tokens_total{engine="0",model_name="m"} 1234.0
                """);
        assertThat(load.ranks()).containsExactly(new RankLoad(0, 3, 1, -1, 0.25), new RankLoad(1, 0, 0, -1, 0.0));
        assertThat(load.ranks().get(1).idle()).isTrue();
    }

    @Test
    void vllmMetrics_withoutEngineSamples_isAnError() {
        assertThatThrownBy(() -> VllmMetricsParser.parse("process_cpu_seconds_total 1.0\n"))
                .hasMessageContaining("engine");
    }

    @Test
    void pinning_sglangUsesBodyFieldAndHeader_vllmOnlyTheHeader() {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode sglang = json.createObjectNode().put("model", "m");
        RankPinning.SGLANG.pinBody(sglang, 5);
        assertThat(sglang.get("data_parallel_rank").asInt()).isEqualTo(5);
        assertThat(RankPinning.SGLANG.headers(5)).containsEntry("X-Data-Parallel-Rank", "5");
        ObjectNode vllm = json.createObjectNode().put("model", "m");
        RankPinning.VLLM.pinBody(vllm, 2);
        assertThat(vllm.has("data_parallel_rank")).isFalse();
        assertThat(RankPinning.VLLM.headers(2)).containsExactly(java.util.Map.entry("X-data-parallel-rank", "2"));
    }
}
