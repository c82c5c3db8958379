package io.sbs.sim;

import java.util.Locale;

/**
 * What the simulated engines tell the dispatcher. Both modes deliver what the live dispatcher always sees
 * (each request's first token, {@code signalLatency} after its pass ended) and answer load polls with each
 * unit's running and waiting requests and queued tokens as of the sample.
 */
public enum Signals {
    /** Engines also push EndForward after every pass (an engine patch or sidecar; the paper's setting). */
    PUSH,
    /** No EndForward, as stock SGLang and vLLM behave: completions and polls are all there is. */
    STOCK;

    public static Signals parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--signals must be push or stock, got '" + s + "'", e);
        }
    }

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
