package io.sbs.engine;

import io.sbs.core.ForwardEndedEvent;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The EndForward push an engine (or its sidecar) sends when a forward pass ends:
 * {@code {"instance_id", "duration_ms", "pass_tokens": [..], "received_tokens": [..],
 * "next_pass_tokens": [..], "backlog_tokens": [..]}}, arrays indexed by DP rank. The engine simulator
 * sends exactly this; {@code POST /internal/v1/end-forward} accepts it.
 */
public final class EndForwardPayload {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private EndForwardPayload() {
    }

    /**
     * Reads a push received at {@code receivedAt} (dispatcher clock); the pass is taken to have ended
     * {@code signalLatency} before.
     */
    public static ForwardEndedEvent parse(String body, long receivedAt, long signalLatency) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("end-forward: not JSON: " + e.getOriginalMessage(), e);
        }
        String instance = n.path("instance_id").asString("");
        if (instance.isBlank()) {
            throw new IllegalArgumentException("end-forward: instance_id is required");
        }
        double ms = n.path("duration_ms").asDouble(-1);
        if (!(ms > 0)) {
            throw new IllegalArgumentException("end-forward: duration_ms must be a positive number");
        }
        long[] pass = longs(n, "pass_tokens");
        long[] received = longs(n, "received_tokens");
        long[] next = longs(n, "next_pass_tokens");
        long[] backlog = longs(n, "backlog_tokens");
        if (received.length != pass.length || next.length != pass.length || backlog.length != pass.length) {
            throw new IllegalArgumentException("end-forward: the per-rank arrays differ in length");
        }
        return new ForwardEndedEvent(instance, receivedAt - signalLatency, Math.round(ms * 1_000_000), pass, received,
                next, backlog);
    }

    private static long[] longs(JsonNode n, String field) {
        JsonNode a = n.get(field);
        if (a == null || !a.isArray()) {
            throw new IllegalArgumentException("end-forward: '" + field + "' must be an array of token counts");
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isIntegralNumber() || a.get(i).asLong() < 0) {
                throw new IllegalArgumentException("end-forward: '" + field + "' holds a negative or non-integer count");
            }
            out[i] = a.get(i).asLong();
        }
        return out;
    }
}
