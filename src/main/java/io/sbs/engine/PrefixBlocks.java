package io.sbs.engine;

import java.util.function.IntToLongFunction;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Prefix block hashes of a request body: the ids the cache-aware policies match against what each DP unit
 * was sent before, and the engine simulator's prefix cache keys its blocks by.
 *
 * <p>Implementation notes.
 * <ul>
 *   <li>Model: vLLM's automatic prefix caching and SGLang's HiCache key a KV block by a hash of its parent
 *       block's hash and its own tokens, so a block's hash names the whole prefix up to its end and two
 *       prompts share block {@code i} only if they share every token before it. Only full blocks are hashed,
 *       as engines only share full pages.
 *   <li>Input: the token ids when the body carries them ({@code input_ids}, or {@code prompt} as an array of
 *       ids; of a batch, its first sequence, which is what the request's placement is judged by), else the
 *       text in blocks of {@code blockTokens x} {@value PromptTokens#CHARS_PER_TOKEN} characters, the
 *       ingress's own estimate of a token ({@link PromptTokens}). Chat {@code messages} are rendered in order
 *       as role and content, so turn {@code n + 1}, which repeats turn {@code n}'s messages and adds to them,
 *       starts with turn {@code n}'s blocks. Character blocks do not fall on token boundaries: they find the
 *       same shared prefixes, measured in estimated tokens.
 *   <li>Hash: 64 bits, a multiply-xorshift step per token or four characters and Murmur3's finalizer per block;
 *       token and character blocks start from different seeds so they never match each other. Not a
 *       cryptographic hash: a client able to forge a collision only misleads the placement of its own request
 *       (the engines keep their own caches), so speed wins (docs/operations.md, "Prefix caching").
 * </ul>
 * Stateless and thread-safe.
 */
public final class PrefixBlocks {

    /** How the hashes were obtained. */
    public enum Source { TOKEN_IDS, CHARACTERS }

    /**
     * A body's block hashes and what they were computed from.
     *
     * @param hashes chained hashes of the full blocks, first block first; empty when the prompt is shorter than
     *               one block
     */
    public record Hashed(long[] hashes, Source source) {
    }

    /** Tokens per block when an instance does not say (a multiple of SGLang's and vLLM's page sizes). */
    public static final int DEFAULT_BLOCK_TOKENS = 512;
    /**
     * KV-cache tokens a DP unit's view assumes when its capacity is not configured: about what one rank of a
     * DeepSeek-V3-class deployment keeps for prefix reuse.
     */
    public static final long DEFAULT_VIEW_TOKENS = 1L << 20;

    private static final long TOKEN_SEED = 0x5EED_70CE_A5E5_0001L;
    private static final long CHAR_SEED = 0x5EED_C4A2_5E70_0002L;
    private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;
    private static final long[] NONE = new long[0];

    private PrefixBlocks() {
    }

    /**
     * The block hashes of {@code body}, an OpenAI chat or completion body or an SGLang {@code /generate} body.
     *
     * @param blockTokens tokens per block, at least 1
     */
    public static Hashed of(JsonNode body, int blockTokens) {
        requireBlock(blockTokens);
        JsonNode ids = tokenIds(body);
        if (ids != null) {
            return new Hashed(ofTokenIds(ids, blockTokens), Source.TOKEN_IDS);
        }
        return new Hashed(ofText(rendered(body), blockTokens), Source.CHARACTERS);
    }

    /** Chained hashes of the full blocks of {@code tokens}. */
    public static long[] ofTokens(int[] tokens, int blockTokens) {
        requireBlock(blockTokens);
        return chained(tokens.length, at -> tokens[at], blockTokens);
    }

    /** Chained hashes of the full blocks of {@code text}, {@code blockTokens} estimated tokens each. */
    public static long[] ofText(CharSequence text, int blockTokens) {
        requireBlock(blockTokens);
        long chars = (long) blockTokens * PromptTokens.CHARS_PER_TOKEN;
        int blocks = (int) (text.length() / chars);
        if (blocks == 0) {
            return NONE;
        }
        long[] out = new long[blocks];
        long parent = CHAR_SEED;
        int at = 0;
        for (int b = 0; b < blocks; b++) {
            long h = parent;
            // four characters per step, a token's worth: a block (blockTokens x 4 characters) is whole steps
            for (int end = (int) (at + chars); at < end; at += 4) {
                h = step(h, text.charAt(at) | (long) text.charAt(at + 1) << 16 | (long) text.charAt(at + 2) << 32
                        | (long) text.charAt(at + 3) << 48);
            }
            parent = finish(h);
            out[b] = parent;
        }
        return out;
    }

    /**
     * How many blocks a DP unit's view of its prefix cache holds: its KV-cache capacity in whole blocks, or
     * {@value #DEFAULT_VIEW_TOKENS} tokens' worth when the capacity is unknown (0 or {@link Long#MAX_VALUE}).
     */
    public static int viewBlocks(long kvCapacityTokens, int blockTokens) {
        requireBlock(blockTokens);
        long tokens = kvCapacityTokens <= 0 || kvCapacityTokens == Long.MAX_VALUE ? DEFAULT_VIEW_TOKENS : kvCapacityTokens;
        return (int) Math.min(Integer.MAX_VALUE, tokens / blockTokens);
    }

    private static long[] ofTokenIds(JsonNode ids, int blockTokens) {
        JsonNode sequence = ids.isEmpty() || !ids.get(0).isArray() ? ids : ids.get(0);
        return chained(sequence.size(), at -> sequence.get(at).asLong(), blockTokens);
    }

    /**
     * The one chaining of token ids, whatever holds them, so that the ingress (JSON) and the engine
     * simulator (an array) key a prefix alike: each full block's hash covers its parent's and its tokens.
     */
    private static long[] chained(int length, IntToLongFunction tokenAt, int blockTokens) {
        int blocks = length / blockTokens;
        if (blocks == 0) {
            return NONE;
        }
        long[] out = new long[blocks];
        long parent = TOKEN_SEED;
        for (int b = 0, at = 0; b < blocks; b++) {
            long h = parent;
            for (int end = at + blockTokens; at < end; at++) {
                h = step(h, tokenAt.applyAsLong(at));
            }
            parent = finish(h);
            out[b] = parent;
        }
        return out;
    }

    /** {@code input_ids}, or {@code prompt} as ids or a batch of them; null when the body carries text. */
    private static @Nullable JsonNode tokenIds(JsonNode body) {
        JsonNode inputIds = body.path("input_ids");
        if (inputIds.isArray()) {
            return inputIds;
        }
        JsonNode prompt = body.path("prompt");
        if (prompt.isArray() && !prompt.isEmpty() && (prompt.get(0).isIntegralNumber() || prompt.get(0).isArray())) {
            return prompt;
        }
        return null;
    }

    /**
     * The text a body's prompt is made of: each chat message as its role, a newline, its content (string, or
     * the {@code text} parts of a content array joined by newlines) and a blank line; then {@code prompt} and
     * SGLang's {@code text} (of a batch, the first).
     */
    static String rendered(JsonNode body) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode message : body.path("messages")) {
            sb.append(message.path("role").asString("")).append('\n');
            JsonNode content = message.path("content");
            if (content.isString()) {
                sb.append(content.asString());
            } else if (content.isArray()) {
                boolean first = true;
                for (JsonNode part : content) {
                    if (part.path("text").isString()) {
                        if (!first) {
                            sb.append('\n');
                        }
                        sb.append(part.get("text").asString());
                        first = false;
                    }
                }
            }
            sb.append("\n\n");
        }
        for (String field : new String[] {"prompt", "text"}) {
            JsonNode value = body.path(field);
            if (value.isArray() && !value.isEmpty()) {
                value = value.get(0);
            }
            if (value.isString()) {
                sb.append(value.asString());
            }
        }
        return sb.toString();
    }

    private static long step(long h, long value) {
        h = (h ^ value) * GOLDEN;
        return h ^ (h >>> 29);
    }

    /** Murmur3's 64-bit finalizer: every bit of the block's state reaches every bit of its hash. */
    private static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        return h ^ (h >>> 33);
    }

    private static void requireBlock(int blockTokens) {
        if (blockTokens < 1) {
            throw new IllegalArgumentException("blockTokens must be at least 1, was " + blockTokens);
        }
    }
}
