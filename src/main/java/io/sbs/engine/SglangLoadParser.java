package io.sbs.engine;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads SGLang's {@code GET /get_load} answer: a JSON array with one object per DP rank carrying
 * {@code dp_rank}, {@code num_reqs} (running plus waiting), {@code num_waiting_reqs} and
 * {@code num_tokens}, and in newer releases {@code num_pending_tokens}. Releases that answer a single object
 * for a non-DP server are read as rank 0. Other fields ({@code ts_tic}, ...) are ignored.
 */
public final class SglangLoadParser {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SglangLoadParser() {
    }

    public static EngineLoad parse(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("get_load: not JSON: " + e.getOriginalMessage(), e);
        }
        List<RankLoad> ranks = new ArrayList<>();
        if (root.isArray()) {
            int i = 0;
            for (JsonNode n : root) {
                ranks.add(rank(n, i++));
            }
        } else if (root.isObject()) {
            ranks.add(rank(root, 0));
        } else {
            throw new IllegalArgumentException("get_load: expected an array of per-rank objects");
        }
        return new EngineLoad(ranks);
    }

    private static RankLoad rank(JsonNode n, int position) {
        int rank = n.has("dp_rank") ? n.get("dp_rank").asInt() : position;
        int all = requireInt(n, "num_reqs", rank);
        int waiting = n.has("num_waiting_reqs") ? n.get("num_waiting_reqs").asInt() : 0;
        long tokens = n.has("num_tokens") ? n.get("num_tokens").asLong() : -1;
        long pending = n.has("num_pending_tokens") ? n.get("num_pending_tokens").asLong() : -1;
        return new RankLoad(rank, Math.max(0, all - waiting), Math.max(0, waiting), tokens, -1, pending);
    }

    private static int requireInt(JsonNode n, String field, int rank) {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("get_load: rank " + rank + " lacks number '" + field + "'");
        }
        return v.asInt();
    }
}
