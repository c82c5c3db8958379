package io.sbs.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * How each engine is told which DP rank serves a request (SPEC.md section 8).
 *
 * <ul>
 *   <li>SGLang: the JSON body field {@code data_parallel_rank} (newer releases rename it
 *       {@code routed_dp_rank} and migrate the old name) and the header {@code X-Data-Parallel-Rank};
 *       both are sent, for old and new releases alike.</li>
 *   <li>vLLM: the header {@code X-data-parallel-rank}; the body is left as the client sent it.</li>
 * </ul>
 */
public enum RankPinning {
    SGLANG,
    VLLM;

    public static final String SGLANG_BODY_FIELD = "data_parallel_rank";
    public static final String SGLANG_HEADER = "X-Data-Parallel-Rank";
    public static final String VLLM_HEADER = "X-data-parallel-rank";

    /** Pins {@code body} (an OpenAI-format or native request, modified in place) to {@code dpRank}. */
    public void pinBody(ObjectNode body, int dpRank) {
        if (this == SGLANG) {
            body.put(SGLANG_BODY_FIELD, dpRank);
        }
    }

    /** The headers that pin a request to {@code dpRank}. */
    public Map<String, String> headers(int dpRank) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(this == SGLANG ? SGLANG_HEADER : VLLM_HEADER, Integer.toString(dpRank));
        return h;
    }
}
