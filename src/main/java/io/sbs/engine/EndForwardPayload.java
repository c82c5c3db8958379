package io.sbs.engine;

import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.IntervalEstimator;
import java.util.Locale;
import java.util.function.ToIntFunction;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The EndForward push an engine (or its sidecar) sends when a forward pass ends:
 * {@code {"instance_id", "duration_ms", "pass_tokens": [..], "received_tokens": [..],
 * "next_pass_tokens": [..], "backlog_tokens": [..]}}, arrays indexed by DP rank. The engine simulator
 * sends exactly this; {@code POST /internal/v1/end-forward} accepts it.
 *
 * <p>A push feeds {@code T̄_fwd}, and so {@code Δ} and the watchdog, and the units' capacity accounts, so
 * it is checked against what is physically possible before any of them sees it: the duration finite,
 * above zero and at most {@link #MAX_DURATION_MS} (a minute); every count an integer from 0 to
 * {@link #MAX_TOKENS}; one array entry per DP rank of a registered instance. {@link Refused} says which
 * check failed.
 */
public final class EndForwardPayload {

    /** The longest pass a push may report: the core's own bound on a {@code T̄_fwd} sample. */
    public static final double MAX_DURATION_MS = IntervalEstimator.MAX_FORWARD_NANOS / 1e6;
    /** The most tokens one count may name; no DP rank holds or queues more. */
    public static final long MAX_TOKENS = Integer.MAX_VALUE;

    // last-wins on a repeated key would let a push say two things at once
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Why a push was refused. */
    public static final class Refused extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        /** What was wrong: only {@link #MALFORMED} is a broken request (400); the rest are 422. */
        public enum Reason {
            /** Not JSON, not an object, a field missing or of the wrong type. */
            MALFORMED,
            /** A duration or count outside physical bounds. */
            OUT_OF_BOUNDS,
            /** Arrays of different lengths, or not one entry per DP rank of the instance. */
            WRONG_SHAPE,
            /** No instance of that id is registered here. */
            UNKNOWN_INSTANCE;

            /** The meter's tag: {@code out-of-bounds}. */
            public String tag() {
                return name().toLowerCase(Locale.ROOT).replace('_', '-');
            }
        }

        private final Reason reason;

        Refused(Reason reason, String message) {
            super("end-forward: " + message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    private EndForwardPayload() {
    }

    /**
     * Reads a push received at {@code receivedAt} (dispatcher clock); the pass is taken to have ended
     * {@code signalLatency} before.
     *
     * @param dpUnits the DP ranks of a registered instance by id; negative for an unknown id
     * @throws Refused when the push is malformed or outside physical bounds
     */
    public static ForwardEndedEvent parse(String body, long receivedAt, long signalLatency, ToIntFunction<String> dpUnits) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new Refused(Refused.Reason.MALFORMED, "not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new Refused(Refused.Reason.MALFORMED, "the body must be a JSON object");
        }
        JsonNode id = n.get("instance_id");
        if (id == null || !id.isString() || id.stringValue().isBlank()) {
            throw new Refused(Refused.Reason.MALFORMED, "instance_id is required");
        }
        JsonNode duration = n.get("duration_ms");
        if (duration == null || !duration.isNumber()) {
            throw new Refused(Refused.Reason.MALFORMED, "duration_ms must be a number of milliseconds");
        }
        double ms = duration.doubleValue();
        if (!(ms > 0) || ms > MAX_DURATION_MS) {
            throw new Refused(Refused.Reason.OUT_OF_BOUNDS, "duration_ms must be above 0 and at most "
                    + (long) MAX_DURATION_MS + " (a minute), was " + duration);
        }
        long[] pass = longs(n, "pass_tokens");
        long[] received = longs(n, "received_tokens");
        long[] next = longs(n, "next_pass_tokens");
        long[] backlog = longs(n, "backlog_tokens");
        if (received.length != pass.length || next.length != pass.length || backlog.length != pass.length) {
            throw new Refused(Refused.Reason.WRONG_SHAPE, "the per-rank arrays differ in length");
        }
        String instance = id.stringValue();
        int units = dpUnits.applyAsInt(instance);
        if (units < 0) {
            throw new Refused(Refused.Reason.UNKNOWN_INSTANCE, "no instance '" + instance + "' is registered");
        }
        if (pass.length != units) {
            throw new Refused(Refused.Reason.WRONG_SHAPE, "instance '" + instance + "' has " + units
                    + " DP units, the arrays " + pass.length + " entries");
        }
        return new ForwardEndedEvent(instance, receivedAt - signalLatency, Math.round(ms * 1_000_000), pass, received,
                next, backlog);
    }

    private static long[] longs(JsonNode n, String field) {
        JsonNode a = n.get(field);
        if (a == null || !a.isArray()) {
            throw new Refused(Refused.Reason.MALFORMED, "'" + field + "' must be an array of token counts");
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = a.get(i);
            if (!v.isIntegralNumber()) {
                throw new Refused(Refused.Reason.MALFORMED, "'" + field + "' holds a non-integer count");
            }
            if (!v.canConvertToLong() || v.longValue() < 0 || v.longValue() > MAX_TOKENS) {
                throw new Refused(Refused.Reason.OUT_OF_BOUNDS, "'" + field + "' holds a negative count or one above "
                        + MAX_TOKENS);
            }
            out[i] = v.longValue();
        }
        return out;
    }
}
