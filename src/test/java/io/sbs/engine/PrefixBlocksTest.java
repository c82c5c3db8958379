package io.sbs.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class PrefixBlocksTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode body(String json) {
        return JSON.readTree(json);
    }

    @Test
    void ofTokens_onlyFullBlocks_chainedOnTheParent() {
        int[] tokens = IntStream.range(0, 10).toArray();
        long[] h = PrefixBlocks.ofTokens(tokens, 4);
        assertThat(h).hasSize(2);
        // the same second block after another first block is another block
        int[] other = tokens.clone();
        other[0] = 99;
        long[] g = PrefixBlocks.ofTokens(other, 4);
        assertThat(g[0]).isNotEqualTo(h[0]);
        assertThat(g[1]).isNotEqualTo(h[1]);
        assertThat(PrefixBlocks.ofTokens(new int[3], 4)).isEmpty();
    }

    @Test
    void ofTokens_sharedPrefix_sharesItsBlocksOnly() {
        int[] a = IntStream.range(0, 16).toArray();
        int[] b = a.clone();
        b[9] = -1;
        long[] ha = PrefixBlocks.ofTokens(a, 4);
        long[] hb = PrefixBlocks.ofTokens(b, 4);
        assertThat(hb[0]).isEqualTo(ha[0]);
        assertThat(hb[1]).isEqualTo(ha[1]);
        assertThat(hb[2]).isNotEqualTo(ha[2]);
        assertThat(hb[3]).isNotEqualTo(ha[3]);
    }

    @Test
    void of_promptIdsAndInputIds_hashAsTheTokens() {
        int[] tokens = IntStream.range(100, 140).toArray();
        String ids = Arrays.toString(tokens);
        long[] expected = PrefixBlocks.ofTokens(tokens, 8);
        PrefixBlocks.Hashed prompt = PrefixBlocks.of(body("{\"prompt\":" + ids + "}"), 8);
        assertThat(prompt.source()).isEqualTo(PrefixBlocks.Source.TOKEN_IDS);
        assertThat(prompt.hashes()).containsExactly(expected);
        assertThat(PrefixBlocks.of(body("{\"input_ids\":" + ids + "}"), 8).hashes()).containsExactly(expected);
        // a batch is placed by its first sequence
        assertThat(PrefixBlocks.of(body("{\"prompt\":[" + ids + ",[1,2,3]]}"), 8).hashes()).containsExactly(expected);
    }

    @Test
    void of_chatTurns_nextTurnStartsWithThePreviousTurnsBlocks() {
        String first = "{\"role\":\"system\",\"content\":\"" + "s".repeat(300) + "\"},"
                + "{\"role\":\"user\",\"content\":\"" + "q".repeat(200) + "\"}";
        String second = first + ",{\"role\":\"assistant\",\"content\":\"" + "a".repeat(150) + "\"},"
                + "{\"role\":\"user\",\"content\":\"" + "r".repeat(100) + "\"}";
        PrefixBlocks.Hashed one = PrefixBlocks.of(body("{\"messages\":[" + first + "]}"), 16);
        PrefixBlocks.Hashed two = PrefixBlocks.of(body("{\"messages\":[" + second + "]}"), 16);
        assertThat(one.source()).isEqualTo(PrefixBlocks.Source.CHARACTERS);
        // "system\n" + 300 + "\n\n" + "user\n" + 200 + "\n\n": 516 characters, 8 full blocks of 64
        assertThat(one.hashes()).hasSize(8);
        assertThat(Arrays.copyOf(two.hashes(), one.hashes().length)).containsExactly(one.hashes());
        assertThat(two.hashes()).hasSizeGreaterThan(one.hashes().length);
    }

    @Test
    void of_roleIsPartOfTheRendering() {
        long[] user = PrefixBlocks.of(body("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(200)
                + "\"}]}"), 8).hashes();
        long[] system = PrefixBlocks.of(body("{\"messages\":[{\"role\":\"system\",\"content\":\"" + "x".repeat(200)
                + "\"}]}"), 8).hashes();
        assertThat(user[0]).isNotEqualTo(system[0]);
    }

    @Test
    void of_textAndTokens_neverMatch() {
        // a prompt of the characters whose codes are the token ids: the seeds keep the two kinds apart
        int[] tokens = IntStream.range(0, 8).map(i -> 'a').toArray();
        long[] text = PrefixBlocks.ofText("a".repeat(8 * PromptTokens.CHARS_PER_TOKEN), 2);
        assertThat(PrefixBlocks.ofTokens(tokens, 2)).doesNotContain(text);
    }

    @Test
    void viewBlocks_isTheCapacityInWholeBlocks_orTheDefaultWhenUnknown() {
        assertThat(PrefixBlocks.viewBlocks(1_000_000, 512)).isEqualTo(1953);
        assertThat(PrefixBlocks.viewBlocks(Long.MAX_VALUE, 512)).isEqualTo(2048);
        assertThat(PrefixBlocks.viewBlocks(1L << 40, 1)).isEqualTo(Integer.MAX_VALUE);
        assertThatThrownBy(() -> PrefixBlocks.viewBlocks(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
