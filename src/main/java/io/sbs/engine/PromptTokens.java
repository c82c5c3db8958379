package io.sbs.engine;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Prompt length of an OpenAI-format or SGLang-native request body, in tokens, which the allocators need.
 *
 * <p>The count is obtained the best way the body and the configuration allow, and {@link Measurement#source()}
 * says which:
 * <ol>
 *   <li>{@link Source#TOKEN_IDS}: the body carries token ids ({@code input_ids}, or {@code prompt} as an array of
 *       ids, or either as an array of such arrays for a batch, whose lengths are summed). Exact.
 *   <li>{@link Source#TOKENIZER}: a Hugging Face {@code tokenizer.json} is configured for {@code body.model}, or a
 *       default one is. A {@code prompt} or {@code text} (a string, or an array of strings for a batch) is encoded
 *       with the model's special tokens, once per prompt. Chat {@code messages} are counted as their contents
 *       (string content, or the {@code text} parts of a content array) joined by newlines and encoded without
 *       special tokens, plus {@value #CHAT_TOKENS_PER_MESSAGE} tokens per message for what the chat template adds
 *       (role markers, separators, BOS), the rule of thumb of OpenAI's cookbook. Exact for prompts, within a few
 *       tokens per message for chats, since the template itself is not rendered.
 *   <li>{@link Source#ESTIMATE}: nothing better is known; one token per {@value #CHARS_PER_TOKEN} characters of
 *       all the text above, the usual rule for English with BPE tokenizers, and no per-message overhead.
 * </ol>
 * Every count is at least 1. Tokenizers never truncate or pad here, whatever their file says, so a long prompt
 * is counted in full and can be refused as too long.
 *
 * <p>Thread safety: {@link #measure} may be called from any number of threads at once. A tokenizer's native
 * state is written only while it is built, and encoding reads it ({@code Tokenizer::encode} takes
 * {@code &self} in the Rust library under DJL's binding), so encodes run in parallel without a lock; a read
 * lock only keeps {@link #close()} from freeing the native memory under a running encode. Encoding costs time
 * linear in the text (about 1 ms per thousand tokens for a toy vocabulary on a busy 2-core machine), so a caller
 * on an event loop may prefer to measure long prompts elsewhere.
 *
 * <p>Native library: DJL extracts the library bundled in its jar into {@code ENGINE_CACHE_DIR} (environment
 * variable or system property; default {@code ~/.djl.ai/tokenizers}) on first use and downloads nothing when
 * tokenizers are loaded from files, as here.
 */
public final class PromptTokens implements AutoCloseable {

    /** Added per chat message for the tokens of the chat template around its content. */
    public static final int CHAT_TOKENS_PER_MESSAGE = 4;

    /** Characters per token of the estimate. */
    public static final int CHARS_PER_TOKEN = 4;

    /** How a prompt length was obtained, from the most to the least exact. */
    public enum Source { TOKEN_IDS, TOKENIZER, ESTIMATE }

    /**
     * A prompt length and how it was obtained.
     *
     * @param tokens prompt length in tokens, at least 1
     * @param source token ids, a tokenizer, or the character estimate
     */
    public record Measurement(int tokens, Source source) {
        public Measurement {
            Objects.requireNonNull(source, "source");
            if (tokens < 1) {
                throw new IllegalArgumentException("tokens must be at least 1: " + tokens);
            }
        }
    }

    private final Map<String, HuggingFaceTokenizer> byModel;
    private final @Nullable HuggingFaceTokenizer fallback;
    /** Each loaded tokenizer once, though several models may share a file. */
    private final List<HuggingFaceTokenizer> loaded;
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    /**
     * Loads one tokenizer per model, failing fast on a file that is missing or not a tokenizer.
     *
     * @param tokenizers       model name as sent in {@code body.model} to the path of its {@code tokenizer.json};
     *                         models sharing a path share one loaded tokenizer
     * @param defaultTokenizer path of the tokenizer for models not listed, or null to estimate those
     * @throws IllegalArgumentException naming the model and the path of a tokenizer that cannot be loaded
     */
    public PromptTokens(Map<String, Path> tokenizers, @Nullable Path defaultTokenizer) {
        Map<Path, HuggingFaceTokenizer> byPath = new LinkedHashMap<>();
        Map<String, HuggingFaceTokenizer> models = new HashMap<>();
        try {
            for (Map.Entry<String, Path> e : tokenizers.entrySet()) {
                models.put(e.getKey(), load(byPath, "model '" + e.getKey() + "'", e.getValue()));
            }
            this.fallback = defaultTokenizer == null ? null : load(byPath, "the default tokenizer", defaultTokenizer);
        } catch (RuntimeException e) {
            byPath.values().forEach(HuggingFaceTokenizer::close);
            throw e;
        }
        this.byModel = Map.copyOf(models);
        this.loaded = List.copyOf(byPath.values());
    }

    /** Token ids when the body has them, otherwise the character estimate; holds no native resources. */
    public static PromptTokens estimateOnly() {
        return new PromptTokens(Map.of(), null);
    }

    /**
     * Whether measuring {@code body} would run a tokenizer (it has no token ids and its model, or the
     * default, has one): callers keep such work off event-loop threads, and only such work.
     */
    public boolean tokenizes(JsonNode body) {
        return (fallback != null || byModel.containsKey(body.path("model").asString(""))) && tokenIds(body) < 0;
    }

    /** Prompt length of {@code body} in tokens, at least 1; see the class comment for how it is obtained. */
    public int count(JsonNode body) {
        return measure(body).tokens();
    }

    /**
     * Prompt length of {@code body} in tokens and how it was obtained.
     *
     * @throws IllegalStateException if a tokenizer is needed after {@link #close()}
     */
    public Measurement measure(JsonNode body) {
        long ids = tokenIds(body);
        if (ids >= 0) {
            return measurement(ids, Source.TOKEN_IDS);
        }
        HuggingFaceTokenizer tokenizer = byModel.getOrDefault(body.path("model").asString(""), fallback);
        if (tokenizer == null) {
            return measurement(estimate(body), Source.ESTIMATE);
        }
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the prompt tokenizers have been closed");
            }
            return measurement(encoded(tokenizer, body), Source.TOKENIZER);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Frees the native tokenizers; later measurements that need one fail. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                loaded.forEach(HuggingFaceTokenizer::close);
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private static HuggingFaceTokenizer load(Map<Path, HuggingFaceTokenizer> byPath, String what, Path path) {
        Path key = path.toAbsolutePath().normalize();
        HuggingFaceTokenizer known = byPath.get(key);
        if (known != null) {
            return known;
        }
        if (!Files.isRegularFile(key)) {
            throw new IllegalArgumentException("cannot load the tokenizer of " + what + ": no file " + path);
        }
        try {
            // The file's own truncation would undercount a long prompt, and padding would overcount a short one.
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(key)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
            byPath.put(key, tokenizer);
            return tokenizer;
        } catch (IOException | RuntimeException e) {
            // DJL reports a malformed file as a bare RuntimeException from the native side.
            throw new IllegalArgumentException("cannot load the tokenizer of " + what + " from " + path + ": "
                    + e.getMessage(), e);
        }
    }

    /** Total number of token ids in the body, or -1 when it carries text instead. */
    private static long tokenIds(JsonNode body) {
        JsonNode inputIds = body.path("input_ids");
        if (inputIds.isArray()) {
            return idCount(inputIds);
        }
        JsonNode prompt = body.path("prompt");
        if (prompt.isArray() && !prompt.isEmpty()
                && (prompt.get(0).isIntegralNumber() || prompt.get(0).isArray())) {
            return idCount(prompt);
        }
        return -1;
    }

    /** Ids of one sequence ({@code [1, 2]}) or of a batch ({@code [[1, 2], [3]]}). */
    private static long idCount(JsonNode ids) {
        long n = 0;
        for (JsonNode element : ids) {
            n += element.isArray() ? element.size() : 1;
        }
        return n;
    }

    private static long encoded(HuggingFaceTokenizer tokenizer, JsonNode body) {
        long tokens = 0;
        JsonNode messages = body.path("messages");
        if (messages.isArray() && !messages.isEmpty()) {
            // The chat template brings BOS and the role markers; the per-message overhead stands for them.
            tokens += tokenizer.encode(String.join("\n", chatContents(messages)), false, false).getIds().length;
            tokens += (long) CHAT_TOKENS_PER_MESSAGE * messages.size();
        }
        for (String prompt : prompts(body)) {
            tokens += tokenizer.encode(prompt, true, false).getIds().length;
        }
        return tokens;
    }

    private static long estimate(JsonNode body) {
        long chars = 0;
        for (String content : chatContents(body.path("messages"))) {
            chars += content.length();
        }
        for (String prompt : prompts(body)) {
            chars += prompt.length();
        }
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /** The text of each message: its string content, or the {@code text} parts of its content array. */
    private static List<String> chatContents(JsonNode messages) {
        List<String> contents = new ArrayList<>(messages.size());
        for (JsonNode message : messages) {
            JsonNode content = message.path("content");
            if (content.isString()) {
                contents.add(content.asString());
            } else if (content.isArray()) {
                List<String> parts = new ArrayList<>(content.size());
                for (JsonNode part : content) {
                    if (part.path("text").isString()) {
                        parts.add(part.get("text").asString());
                    }
                }
                contents.add(String.join("\n", parts));
            }
        }
        return contents;
    }

    /** Text prompts: {@code prompt} and SGLang's {@code text}, each a string or a batch of strings. */
    private static List<String> prompts(JsonNode body) {
        List<String> prompts = new ArrayList<>(1);
        for (String field : new String[] {"prompt", "text"}) {
            JsonNode value = body.path(field);
            if (value.isString()) {
                prompts.add(value.asString());
            } else if (value.isArray()) {
                for (JsonNode element : value) {
                    if (element.isString()) {
                        prompts.add(element.asString());
                    }
                }
            }
        }
        return prompts;
    }

    private static Measurement measurement(long tokens, Source source) {
        return new Measurement((int) Math.min(Integer.MAX_VALUE, Math.max(1, tokens)), source);
    }
}
