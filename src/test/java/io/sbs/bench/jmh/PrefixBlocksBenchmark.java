package io.sbs.bench.jmh;

import io.sbs.engine.PrefixBlocks;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ingress's prefix hashing of a 4,096-token prompt ({@link PrefixBlocks}), in blocks of 16 (vLLM's page)
 * and 512 tokens: from token ids already in an int array, from the parsed body of a completion whose
 * {@code prompt} is the ids (what the ingress does), and from a chat body of the same length in characters
 * (the character fallback, 16,384 characters). Parsing the JSON is the ingress's cost either way and is not
 * measured here. Run with {@code app/bench jmh PrefixBlocksBenchmark}; the goal is under 50 µs each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PrefixBlocksBenchmark {

    private static final int TOKENS = 4_096;

    @Param({"16", "512"})
    public int blockTokens;

    private int[] tokens;
    private JsonNode completion;
    private JsonNode chat;

    @Setup
    public void setUp() {
        SplittableRandom r = new SplittableRandom(7);
        tokens = new int[TOKENS];
        StringBuilder ids = new StringBuilder("{\"model\":\"m\",\"prompt\":[");
        for (int i = 0; i < TOKENS; i++) {
            tokens[i] = r.nextInt(150_000);
            ids.append(i == 0 ? "" : ",").append(tokens[i]);
        }
        JsonMapper json = JsonMapper.builder().build();
        completion = json.readTree(ids.append("]}").toString());
        StringBuilder text = new StringBuilder();
        while (text.length() < TOKENS * 4) {
            text.append((char) ('a' + r.nextInt(26)));
        }
        chat = json.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\""
                + text.substring(0, TOKENS * 2) + "\"},{\"role\":\"user\",\"content\":\"" + text.substring(TOKENS * 2)
                + "\"}]}");
    }

    @Benchmark
    public long[] tokenArray() {
        return PrefixBlocks.ofTokens(tokens, blockTokens);
    }

    @Benchmark
    public long[] completionTokenIds() {
        return PrefixBlocks.of(completion, blockTokens).hashes();
    }

    @Benchmark
    public long[] chatCharacters() {
        return PrefixBlocks.of(chat, blockTokens).hashes();
    }
}
