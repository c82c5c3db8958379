package io.sbs.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.engine.PromptTokens.Measurement;
import io.sbs.engine.PromptTokens.Source;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Counts against two hand-written tokenizers in {@code src/test/resources/tokenizers}:
 * <ul>
 *   <li>{@code word-level.json}: WordLevel over a ten-word vocabulary with [UNK], the Whitespace pre-tokenizer
 *       (words and punctuation apart), a [BOS] added by its post-processor, and a truncation to 4 tokens that
 *       must be ignored;
 *   <li>{@code whitespace-split.json}: WordLevel split on whitespace only and no special tokens, so
 *       {@code "hello, world!"} is 2 tokens here and 5 above, which tells the two apart.
 * </ul>
 */
class PromptTokensTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static PromptTokens tokens;

    @BeforeAll
    static void load() {
        // DJL extracts its native library into ENGINE_CACHE_DIR, ~/.djl.ai by default; a build keeps it in target.
        if (System.getenv("ENGINE_CACHE_DIR") == null && System.getProperty("ENGINE_CACHE_DIR") == null) {
            System.setProperty("ENGINE_CACHE_DIR", Path.of("target", "djl-cache").toAbsolutePath().toString());
        }
        tokens = new PromptTokens(Map.of("word-model", resource("word-level.json")), resource("whitespace-split.json"));
    }

    @AfterAll
    static void close() {
        tokens.close();
    }

    @Test
    void measure_promptString_encodesWithOneBosAndNoTruncation() {
        Measurement m = tokens.measure(body("""
                {"model": "word-model", "prompt": "hello, world! how are you? stranger"}"""));

        // hello , world ! how are you ? [UNK] plus [BOS]; the file's truncation to 4 is off.
        assertThat(m).isEqualTo(new Measurement(10, Source.TOKENIZER));
    }

    @Test
    void measure_chatMessages_countsContentsWithoutBosPlusOverheadPerMessage() {
        Measurement m = tokens.measure(body("""
                {"model": "word-model", "messages": [
                  {"role": "system", "content": "hello world"},
                  {"role": "user", "content": [
                    {"type": "text", "text": "how are"},
                    {"type": "image_url", "image_url": {"url": "http://example.invalid/a.png"}},
                    {"type": "text", "text": "you?"}]}]}"""));

        // 2 + 4 content tokens, no [BOS], and the template overhead of two messages.
        assertThat(m).isEqualTo(new Measurement(6 + 2 * PromptTokens.CHAT_TOKENS_PER_MESSAGE, Source.TOKENIZER));
    }

    @Test
    void measure_tokenIds_beatTheTokenizer() {
        assertThat(tokens.measure(body("""
                {"model": "word-model", "input_ids": [1, 2, 3], "text": "hello world how are you"}""")))
                .isEqualTo(new Measurement(3, Source.TOKEN_IDS));
        assertThat(tokens.measure(body("""
                {"model": "word-model", "prompt": [5, 6, 7, 8]}""")))
                .isEqualTo(new Measurement(4, Source.TOKEN_IDS));
    }

    @Test
    void measure_batches_sumTheirPrompts() {
        assertThat(tokens.measure(body("{\"model\": \"word-model\", \"prompt\": [[1, 2], [3, 4, 5]]}")))
                .isEqualTo(new Measurement(5, Source.TOKEN_IDS));
        assertThat(tokens.measure(body("{\"input_ids\": [[1], [2, 3]]}")))
                .isEqualTo(new Measurement(3, Source.TOKEN_IDS));
        // (hello world + [BOS]) + (how are you ? + [BOS]): special tokens once per prompt of the batch.
        assertThat(tokens.measure(body("{\"model\": \"word-model\", \"prompt\": [\"hello world\", \"how are you?\"]}")))
                .isEqualTo(new Measurement(8, Source.TOKENIZER));
        assertThat(tokens.measure(body("{\"model\": \"word-model\", \"text\": [\"hello\", \"world\"]}")))
                .isEqualTo(new Measurement(4, Source.TOKENIZER));
    }

    @Test
    void measure_unlistedModel_usesTheDefaultTokenizer() {
        assertThat(tokens.measure(body("{\"model\": \"other\", \"prompt\": \"hello, world!\"}")))
                .isEqualTo(new Measurement(2, Source.TOKENIZER));
        assertThat(tokens.measure(body("{\"text\": \"hello, world!\"}")))
                .isEqualTo(new Measurement(2, Source.TOKENIZER));
        assertThat(tokens.measure(body("{\"model\": \"word-model\", \"prompt\": \"hello, world!\"}")))
                .isEqualTo(new Measurement(5, Source.TOKENIZER));
    }

    @Test
    void measure_unlistedModelWithoutDefault_estimatesFourCharsPerToken() {
        try (PromptTokens onlyWordModel = new PromptTokens(Map.of("word-model", resource("word-level.json")), null)) {
            // 23 characters, rounded up.
            assertThat(onlyWordModel.measure(body("{\"model\": \"other\", \"prompt\": \"hello world how are you\"}")))
                    .isEqualTo(new Measurement(6, Source.ESTIMATE));
            // 4 + 8 characters; no per-message overhead in the estimate.
            assertThat(onlyWordModel.measure(body("""
                    {"model": "other", "messages": [{"role": "user", "content": "abcd"},
                                                    {"role": "user", "content": [{"type": "text", "text": "abcdefgh"}]}]}""")))
                    .isEqualTo(new Measurement(3, Source.ESTIMATE));
        }
    }

    @Test
    void estimateOnly_textIsEstimated_idsAreExact_andNothingIsZero() {
        try (PromptTokens estimate = PromptTokens.estimateOnly()) {
            assertThat(estimate.measure(body("{\"model\": \"word-model\", \"prompt\": [\"abcd\", \"abcdefgh\"]}")))
                    .isEqualTo(new Measurement(3, Source.ESTIMATE));
            assertThat(estimate.measure(body("{\"prompt\": [7, 8]}"))).isEqualTo(new Measurement(2, Source.TOKEN_IDS));
            assertThat(estimate.count(body("{}"))).isEqualTo(1);
            assertThat(estimate.count(body("{\"input_ids\": []}"))).isEqualTo(1);
        }
    }

    @Test
    void constructor_missingFile_failsNamingModelAndPath() {
        Path missing = Path.of("no", "such", "tokenizer.json");

        assertThatThrownBy(() -> new PromptTokens(Map.of("llama-3", missing), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model 'llama-3'")
                .hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> new PromptTokens(Map.of(), missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("default tokenizer")
                .hasMessageContaining(missing.toString());
    }

    @Test
    void constructor_fileThatIsNoTokenizer_failsNamingModelAndPath() {
        Path invalid = resource("not-a-tokenizer.json");

        assertThatThrownBy(() -> new PromptTokens(Map.of("qwen", invalid), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model 'qwen'")
                .hasMessageContaining(invalid.toString());
    }

    @Test
    void measure_afterClose_failsForTextButNotForIds() {
        PromptTokens closed = new PromptTokens(Map.of("word-model", resource("word-level.json")), null);
        closed.close();
        closed.close();

        assertThatThrownBy(() -> closed.measure(body("{\"model\": \"word-model\", \"prompt\": \"hello\"}")))
                .isInstanceOf(IllegalStateException.class);
        assertThat(closed.count(body("{\"model\": \"word-model\", \"input_ids\": [1, 2]}"))).isEqualTo(2);
    }

    @Test
    void measure_fromManyThreadsAtOnce_agreesWithOneThread() throws Exception {
        JsonNode prompt = body("{\"model\": \"word-model\", \"prompt\": \"" + "hello, world! how are you? ".repeat(200) + "\"}");
        int expected = 200 * 8 + 1;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> counts = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                counts.add(pool.submit(() -> tokens.count(prompt)));
            }
            for (Future<Integer> count : counts) {
                assertThat(count.get(30, TimeUnit.SECONDS)).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static JsonNode body(String json) {
        return JSON.readTree(json);
    }

    private static Path resource(String name) {
        try {
            return Path.of(PromptTokensTest.class.getResource("/tokenizers/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
