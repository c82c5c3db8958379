package io.sbs.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoop;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.sim.EngineProfile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.util.context.Context;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The engine adapters over real HTTP: SGLang against the engine simulator, vLLM against a stub that records. */
class HttpEngineClientIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final EngineProfile PROFILE = new EngineProfile("it", "",
            new EngineProfile.Prefill(1, 4, 1000, EngineProfile.ChunkSemantics.PER_UNIT, 20, 0.01, 0, 0, 0, 0, 512),
            new EngineProfile.Decode(1, 4, 100_000, 1, 0, 0, 0, 0), new EngineProfile.Network(0, 0, 0));

    private EngineSimServer engine;
    private DisposableServer vllm;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        if (vllm != null) {
            vllm.disposeNow();
        }
    }

    private static ObjectNode chat(int maxTokens) {
        ObjectNode body = JSON.createObjectNode().put("model", "m").put("max_tokens", maxTokens);
        body.putArray("messages").addObject().put("role", "user").put("content", "hello engine");
        return body;
    }

    private static String text(DataBuffer buffer) {
        String text = buffer.toString(StandardCharsets.UTF_8);
        DataBufferUtils.release(buffer);
        return text;
    }

    @Test
    void sglang_streamCallAndLoad_againstTheEngineSimulator() {
        engine = new EngineSimServer("prefill-0", PROFILE, 0, 1, null, null);
        HttpEngineClient client = HttpEngineClient.sglang("prefill-0", "http://127.0.0.1:" + engine.port(), Duration.ofSeconds(5));
        List<String> frames = client.stream("/v1/chat/completions", chat(3), 2, "r-1").map(buffer -> {
            String text = buffer.toString(StandardCharsets.UTF_8);
            DataBufferUtils.release(buffer);
            return text;
        }).collectList().block(WAIT);
        // relayed as the engine framed them: whole events only, [DONE] included
        assertThat(frames).allSatisfy(frame -> assertThat(frame).startsWith("data: ").endsWith("\n\n"));
        List<String> events = List.of(String.join("", frames).split("\n\n"));
        assertThat(events).hasSize(4).last().isEqualTo("data: [DONE]");
        assertThat(JSON.readTree(events.get(2).substring("data: ".length())).path("choices").get(0)
                .path("finish_reason").asString()).isEqualTo("length");
        JsonNode whole = JSON.readTree(text(client.call("/v1/chat/completions", chat(2), 1, "r-2").block(WAIT)));
        assertThat(whole.path("usage").path("completion_tokens").asInt()).isEqualTo(2);
        EngineLoad load = client.load().block(WAIT);
        assertThat(load.ranks()).hasSize(4);
        assertThat(load.idle()).isTrue();
    }

    @Test
    void sglang_rankOutOfRange_surfacesTheEnginesError() {
        engine = new EngineSimServer("prefill-0", PROFILE, 0, 1, null, null);
        HttpEngineClient client = HttpEngineClient.sglang("prefill-0", "http://127.0.0.1:" + engine.port(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> client.call("/v1/chat/completions", chat(1), 7, "r-3").block(WAIT))
                .hasMessageContaining("400");
    }

    @Test
    void vllm_pinsByHeaderOnly_andReadsLoadFromMetrics() {
        Map<String, String> seen = new ConcurrentHashMap<>();
        vllm = HttpServer.create().port(0).route(r -> r
                .post("/v1/chat/completions", (req, res) -> {
                    seen.put("rank", String.valueOf(req.requestHeaders().get("X-data-parallel-rank")));
                    seen.put("requestId", String.valueOf(req.requestHeaders().get("X-Request-Id")));
                    return req.receive().aggregate().asString().flatMap(body -> {
                        seen.put("body", body);
                        return Mono.from(res.header("content-type", "application/json").sendString(Mono.just("{\"ok\":true}")));
                    });
                })
                .get("/metrics", (req, res) -> res.sendString(Mono.just("""
                        vllm:num_requests_running{engine="0",model_name="m"} 2.0
                        vllm:num_requests_waiting{engine="0",model_name="m"} 1.0
                        vllm:num_requests_running{engine="1",model_name="m"} 0.0
                        vllm:num_requests_waiting{engine="1",model_name="m"} 0.0
                        """))))
                .bindNow();
        HttpEngineClient client = HttpEngineClient.vllm("decode-0", "http://127.0.0.1:" + vllm.port(), Duration.ofSeconds(5));
        assertThat(text(client.call("/v1/chat/completions", chat(1), 1, "req-42").block(WAIT))).contains("ok");
        assertThat(seen).containsEntry("rank", "1").containsEntry("requestId", "req-42");
        assertThat(JSON.readTree(seen.get("body")).has("data_parallel_rank")).isFalse();
        EngineLoad load = client.load().block(WAIT);
        assertThat(load.ranks()).containsExactly(new RankLoad(0, 2, 1, -1, -1), new RankLoad(1, 0, 0, -1, -1));
    }
    /**
     * An engine call runs on the event loop that read its request (EngineLoops): its answer comes on that loop,
     * whether the route names the loop in the context and subscribes from elsewhere (a batch decided on the
     * dispatch loop's thread) or subscribes from the loop itself. With one pool for all loops, an idle
     * connection of any loop served the call, and the answer crossed threads to reach the client.
     */
    @Test
    void call_answersOnTheCallersEventLoop_overThatLoopsOwnConnections() {
        engine = new EngineSimServer("prefill-0", PROFILE, 0, 1, null, null);
        HttpEngineClient client = HttpEngineClient.sglang("prefill-0", "http://127.0.0.1:" + engine.port(), Duration.ofSeconds(5));
        assertThat(EngineLoops.count()).isPositive();
        for (int round = 0; round < 3; round++) { // later rounds reuse pooled connections
            for (int i = 0; i < EngineLoops.count(); i++) {
                EventLoop loop = EngineLoops.loop(i);
                EventLoop named = client.call("/v1/chat/completions", chat(1), 0, "hint-" + round + "-" + i)
                        .map(HttpEngineClientIT::answeredOn)
                        .contextWrite(Context.of(EngineLoops.CALLER_LOOP, loop)).block(WAIT);
                assertThat(named).as("named loop %d", i).isSameAs(loop);
                String rid = "here-" + round + "-" + i;
                EventLoop caller = Mono.defer(() -> client.call("/v1/chat/completions", chat(1), 0, rid))
                        .subscribeOn(Schedulers.fromExecutor(loop)).map(HttpEngineClientIT::answeredOn).block(WAIT);
                assertThat(caller).as("calling loop %d", i).isSameAs(loop);
            }
        }
    }

    private static EventLoop answeredOn(DataBuffer answer) {
        DataBufferUtils.release(answer);
        return EngineLoops.current();
    }
}
