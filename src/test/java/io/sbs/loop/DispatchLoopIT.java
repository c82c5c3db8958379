package io.sbs.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.core.ClusterState;
import io.sbs.core.InferenceRequest;
import io.sbs.core.Phase;
import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import io.sbs.engine.EndForwardPayload;
import io.sbs.engine.HttpEngineClient;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.sim.EngineProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dispatch loop driving real engine simulators over HTTP: every request is assigned, pinned to the
 * rank the core chose, answered, and EndForward pushes close the loop.
 */
class DispatchLoopIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final EngineProfile PROFILE = new EngineProfile("it", "",
            new EngineProfile.Prefill(1, 4, 1024, EngineProfile.ChunkSemantics.PER_UNIT, 40, 0.02, 0, 0, 0, 0, 512),
            new EngineProfile.Decode(1, 4, 100_000, 1, 0, 0, 0, 0), new EngineProfile.Network(0, 0, 0));

    private final List<EngineSimServer> engines = new ArrayList<>();
    private DisposableServer receiver;
    private DispatchLoop loop;

    @AfterEach
    void stop() {
        engines.forEach(EngineSimServer::close);
        if (receiver != null) {
            receiver.disposeNow();
        }
        if (loop != null) {
            loop.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {PolicyRegistry.SBS, PolicyRegistry.ROUND_ROBIN})
    void requests_throughLoopAndEngines_allAnsweredOnTheChosenRanks(String policy) {
        ClusterState cluster = new ClusterState(SchedulingPolicy.defaults(policy));
        loop = new DispatchLoop(cluster, PolicyRegistry.standard(), 10_000, 2_000_000_000L, System::nanoTime);
        receiver = HttpServer.create().port(0).route(r -> r.post("/end-forward", (req, res) -> req.receive().aggregate()
                .asString().flatMap(body -> {
                    loop.onForwardEnded(EndForwardPayload.parse(body, loop.now(), 0, id -> 4));
                    return Mono.from(res.status(204).send());
                }))).bindNow();
        Map<String, HttpEngineClient> clients = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            String id = "prefill-" + i;
            EngineSimServer e = new EngineSimServer(id, PROFILE, 0, i, "http://127.0.0.1:" + receiver.port() + "/end-forward", null);
            engines.add(e);
            cluster.addInstance(id, Phase.PREFILL, 4, 1024, Long.MAX_VALUE, 0);
            clients.put(id, HttpEngineClient.sglang(id, "http://127.0.0.1:" + e.port(),
                    Duration.ofSeconds(10)));
        }
        SplittableRandom random = new SplittableRandom(7);
        Map<Long, String> answeredBy = new ConcurrentHashMap<>();
        List<Mono<String>> calls = new ArrayList<>();
        for (long id = 0; id < 120; id++) {
            int prompt = 1 + random.nextInt(1024);
            InferenceRequest request = new InferenceRequest(id, prompt, 2, loop.now());
            long requestId = id;
            Duration delay = Duration.ofMillis(id * 5);
            calls.add(Mono.delay(delay).then(loop.submit(request)).flatMap(d -> {
                ObjectNode body = JSON.createObjectNode().put("max_tokens", 2);
                body.putArray("input_ids").addAll(java.util.stream.IntStream.range(0, prompt)
                        .mapToObj(JSON.getNodeFactory()::numberNode).toList());
                return clients.get(d.unit().instanceId()).call("/v1/completions", body, d.unit().dpRank(), "r" + requestId)
                        .map(answer -> {
                            String text = answer.toString(java.nio.charset.StandardCharsets.UTF_8);
                            org.springframework.core.io.buffer.DataBufferUtils.release(answer);
                            return text;
                        })
                        .doOnNext(answer -> {
                            loop.onPrefillCompleted(d.unit(), requestId, prompt, loop.now());
                            answeredBy.put(requestId, d.unit().toString());
                        });
            }));
        }
        List<String> answers = Flux.merge(calls).collectList().block(Duration.ofSeconds(60));
        assertThat(answers).hasSize(120);
        assertThat(answeredBy).hasSize(120);
        assertThat(loop.buffered()).isZero();
        // the loop applies its bookkeeping (first tokens) with its next task; a snapshot is one
        loop.snapshotNow().block(Duration.ofSeconds(5));
        // work went to every instance and EndForward made it back to the cluster state
        assertThat(answeredBy.values().stream().map(u -> u.substring(0, u.indexOf('/'))).distinct()).hasSize(3);
        assertThat(cluster.meanForwardNanos(Phase.PREFILL)).isBetween(40_000_000L, 80_000_000L);
        for (String id : clients.keySet()) {
            assertThat(cluster.instance(id).units()).allSatisfy(u -> assertThat(u.outstandingTokens()).isZero());
        }
    }
}
