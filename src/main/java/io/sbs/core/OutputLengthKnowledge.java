package io.sbs.core;

import java.util.Locale;

/**
 * What the decode dispatcher takes for a request's output length, the part of its KV footprint that
 * prompt tokens do not tell. The live dispatcher has {@link #MAX_TOKENS} or {@link #PREDICTED}; only a
 * simulation that says plainly it measures an oracle may use {@link #ORACLE}.
 */
public enum OutputLengthKnowledge {

    /** The true output length: known to the simulator only, an upper bound of what knowledge can give. */
    ORACLE,
    /** The request's {@code max_tokens}, or the configured default when the client set none. */
    MAX_TOKENS,
    /** {@link OutputLengthPredictor}'s estimate, learned from finished requests, capped by {@code max_tokens}. */
    PREDICTED;

    /** The setting's spelling in properties, benchmark keys and reports: {@code max-tokens}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Reads a {@link #tag()}; fails with the known spellings. */
    public static OutputLengthKnowledge parse(String tag) {
        for (OutputLengthKnowledge k : values()) {
            if (k.tag().equalsIgnoreCase(tag.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown output-length knowledge '" + tag
                + "', known: oracle, max-tokens, predicted");
    }
}
