package io.sbs.engine;

import org.springframework.core.io.buffer.DataBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * The port to one inference engine instance (all its DP ranks). Adapters differ in how they pin a DP rank
 * and where they read load from; the dispatch loop sees only this.
 */
public interface EngineClient {

    /**
     * Subscriber-context key of a {@link Runnable} that an adapter runs once the request has been written to
     * the engine's connection: the dispatcher times {@code τ_net}, decision to engine, with it.
     */
    String ON_SENT = "sbs.engine.on-sent";

    /** The instance this client talks to. */
    String instanceId();

    /**
     * Sends an OpenAI-format streaming request to {@code path} (e.g. {@code /v1/chat/completions}) pinned to
     * {@code dpRank}; emits the engine's server-sent events as the engine framed them, {@code data: [DONE]}
     * included, cut at event ends ({@link EventFrames}), for the dispatcher to relay unchanged. The caller
     * owns (releases or writes) each buffer, also one that an operator discards on the way (a cancelled
     * {@code flatMap}, a queue, {@code switchOnFirst}'s first): it subscribes with one {@link DataBuffer} discard
     * hook ({@code doOnDiscard}) downstream of them all. Adapters add none of their own, since Reactor chains
     * discard hooks and two would release a buffer twice. The body is modified (pinning fields) and must not be
     * reused.
     */
    Flux<DataBuffer> stream(String path, ObjectNode body, int dpRank, String requestId);

    /**
     * As {@link #stream}, for a non-streaming request: the engine's JSON answer, as its bytes, for the
     * dispatcher to relay unchanged; the caller owns (releases or writes) the buffer.
     */
    Mono<DataBuffer> call(String path, ObjectNode body, int dpRank, String requestId);

    /** The engine's per-rank load (quiescence polling). */
    Mono<EngineLoad> load();

    /** Completes when the engine's health endpoint ({@code GET /health}) answers 2xx; errors otherwise. */
    Mono<Void> health();
}
