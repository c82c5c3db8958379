package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.enginesim.RealTimePrefillEngine;
import io.sbs.sim.EngineProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Prefix caching end to end over real HTTP: an engine simulator whose DP units cache prompt blocks, and the
 * dispatcher with {@code sbs-cache}. Eight conversations send their first turns together (spread over the
 * four units), then their second turns one after another; each second turn must land on the unit that served its first,
 * which the engine tells by the tokens it found cached (a unit caches only what it was sent), and the
 * dispatcher's prefix meters must have predicted exactly those tokens. Chat requests are hashed by the character
 * fallback, which the dispatcher warns of at start.
 */
@ExtendWith(OutputCaptureExtension.class)
class PrefixCacheIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CONVERSATIONS = 8;
    private static final int BLOCK = 16;
    // 4 units of 4000 tokens, each caching 512 blocks of 16 tokens; passes of 20 ms + 0.01 ms per token
    private static final EngineProfile PROFILE = new EngineProfile("prefix-it", "",
            new EngineProfile.Prefill(1, 4, 4000, EngineProfile.ChunkSemantics.PER_UNIT, 20, 0.01, 0, 0, 0, 512, BLOCK),
            new EngineProfile.Decode(1, 4, 100_000, 2, 0, 0, 0, 0), new EngineProfile.Network(0, 0, 0));

    @Test
    void secondTurn_landsOnTheUnitOfTheFirst_andTheMetersCountTheHit(CapturedOutput output) throws Exception {
        AtomicReference<WireDispatcher> pushTo = new AtomicReference<>();
        try (EngineSimServer engine = new EngineSimServer("prefill-0", PROFILE, 0, 1, report -> push(pushTo, report));
                WireDispatcher dispatcher = WireDispatcher.start("sbs.policy=sbs-cache",
                        "sbs.engine-token=" + WireDispatcher.ENGINE_TOKEN,
                        "sbs.instances[0].id=prefill-0", "sbs.instances[0].url=http://127.0.0.1:" + engine.port(),
                        "sbs.instances[0].kind=sglang", "sbs.instances[0].dp-units=4",
                        "sbs.instances[0].chunk-tokens=4000", "sbs.instances[0].kv-capacity-tokens=8192",
                        "sbs.instances[0].cache-block-tokens=" + BLOCK)) {
            pushTo.set(dispatcher);
            assertThat(output.getAll()).contains("policy sbs-cache places by prefix cache")
                    .contains("hashed by the character fallback");
            List<ArrayNode> conversations = new ArrayList<>();
            for (int c = 0; c < CONVERSATIONS; c++) {
                ArrayNode messages = JSON.createArrayNode();
                messages.addObject().put("role", "system").put("content", ("conversation " + c + " ").repeat(60));
                messages.addObject().put("role", "user").put("content", "first question of " + c + " ".repeat(40));
                conversations.add(messages);
            }
            List<JsonNode> first = turn(dispatcher, conversations);
            JsonNode load = JSON.readTree(loadJson(engine));
            int ranksUsed = 0;
            for (JsonNode rank : load) {
                ranksUsed += rank.path("prompt_tokens_total").asLong() > 0 ? 1 : 0;
            }
            assertThat(ranksUsed).as("units that served a first turn").isGreaterThan(1);
            assertThat(first).allSatisfy(a -> assertThat(cached(a)).isZero());

            for (int c = 0; c < CONVERSATIONS; c++) {
                conversations.get(c).addObject().put("role", "assistant")
                        .put("content", first.get(c).path("choices").path(0).path("message").path("content").asString());
                conversations.get(c).addObject().put("role", "user").put("content", "and a follow-up " + c);
            }
            // one after another: each finds the instance idle and ready (its pass end pushed), so the window's
            // cache-aware allocator places it
            List<JsonNode> second = new ArrayList<>();
            for (ArrayNode messages : conversations) {
                second.addAll(turn(dispatcher, List.of(messages)));
            }
            long cachedTotal = 0;
            long promptTotal = 0;
            for (int c = 0; c < CONVERSATIONS; c++) {
                JsonNode usage = second.get(c).path("usage");
                // the first turn renders to 975 characters: 15 whole blocks of 64 are reused
                assertThat(cached(second.get(c))).as("cached tokens of conversation %d's second turn", c)
                        .isEqualTo(15 * BLOCK);
                cachedTotal += cached(second.get(c));
                promptTotal += usage.path("prompt_tokens").asLong() + first.get(c).path("usage").path("prompt_tokens").asLong();
            }
            assertThat(sum(dispatcher, "sbs.prefix.hit.tokens")).as("hit tokens the dispatcher predicted")
                    .isEqualTo(cachedTotal);
            assertThat(sum(dispatcher, "sbs.prefix.lookup.tokens")).as("prompt tokens looked up")
                    .isEqualTo(promptTotal);
            assertThat(dispatcher.meters().find("sbs.prefix.hit.tokens").tag("policy", "sbs-cache").counters())
                    .isNotEmpty();
            assertThat(dispatcher.client().get().uri("/actuator/prometheus").retrieve().bodyToMono(String.class)
                    .block(WireDispatcher.WAIT)).contains("sbs_prefix_hit_tokens_total{").contains("sbs_prefix_lookup_tokens_total{");
        }
    }

    /** One turn of every conversation, sent together; the answers in conversation order. */
    private static List<JsonNode> turn(WireDispatcher dispatcher, List<ArrayNode> conversations) {
        return Flux.fromIterable(conversations).flatMapSequential(messages -> {
            ObjectNode body = JSON.createObjectNode().put("model", "sbs").put("max_tokens", 3);
            body.set("messages", messages.deepCopy());
            return dispatcher.client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(body.toString()).retrieve().bodyToMono(String.class).map(JSON::readTree);
        }).collectList().block(WireDispatcher.WAIT);
    }

    /** The engine's EndForward, pushed over HTTP to the dispatcher once it runs. */
    private static void push(AtomicReference<WireDispatcher> to, RealTimePrefillEngine.PassReport r) {
        WireDispatcher dispatcher = to.get();
        if (dispatcher == null) {
            return;
        }
        ObjectNode o = JSON.createObjectNode().put("instance_id", r.instanceId()).put("duration_ms", r.durationNanos() / 1e6);
        for (Map.Entry<String, long[]> e : Map.of("pass_tokens", r.passTokens(), "received_tokens", r.receivedTokens(),
                "next_pass_tokens", r.nextPassTokens(), "backlog_tokens", r.backlogTokens()).entrySet()) {
            ArrayNode a = o.putArray(e.getKey());
            for (long v : e.getValue()) {
                a.add(v);
            }
        }
        dispatcher.endForward(o.toString()).subscribe();
    }

    private static long cached(JsonNode answer) {
        return answer.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong(-1);
    }

    private static String loadJson(EngineSimServer engine) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + engine.port()
                + "/get_load")).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long sum(WireDispatcher dispatcher, String meter) {
        return Math.round(dispatcher.meters().find(meter).counters().stream().mapToDouble(Counter::count).sum());
    }
}
