package io.sbs.engine;

import java.util.concurrent.ThreadLocalRandom;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import tools.jackson.databind.node.ObjectNode;

/**
 * One request sent to a prefill and a decode server as SGLang's prefill-decode disaggregation expects (the
 * P/D handshake): both servers get the same body with the prefill server's bootstrap address
 * ({@code bootstrap_host}, {@code bootstrap_port}) and one random {@code bootstrap_room}, by which the decode
 * server fetches the prompt's KV from the prefill server. The prefill server's call is non-streaming and its
 * answer is dropped: it only says the prefill is done. The client's answer is the decode server's.
 *
 * @param prefill       the prefill instance's client
 * @param prefillRank   the prefill DP rank chosen
 * @param bootstrapHost where the decode server reaches the prefill server's KV (its URL's host)
 * @param bootstrapPort the prefill server's bootstrap port
 * @param decode        the decode instance's client
 * @param decodeRank    the decode DP rank chosen
 */
public record PdPair(EngineClient prefill, int prefillRank, String bootstrapHost, int bootstrapPort,
        EngineClient decode, int decodeRank) {

    /**
     * The decode server's stream, with the prefill call beside it; an error of either ends the stream.
     * {@code onSent} runs when the prefill request is on the wire ({@link EngineClient#ON_SENT}),
     * {@code prefilled} when the prefill server has answered. {@code body} becomes the decode server's.
     */
    public Flux<DataBuffer> stream(String path, ObjectNode body, String requestId, Runnable onSent,
            Runnable prefilled) {
        Mono<Void> prefillCall = prefillCall(path, body, requestId, onSent, prefilled);
        Flux<DataBuffer> decodeCall = decode.stream(path, body, decodeRank, requestId);
        return Flux.merge(decodeCall, prefillCall.then(Mono.empty()));
    }

    /** As {@link #stream}, for a non-streaming request: the decode server's whole answer, once both answered. */
    public Mono<DataBuffer> call(String path, ObjectNode body, String requestId, Runnable onSent, Runnable prefilled) {
        Mono<Void> prefillCall = prefillCall(path, body, requestId, onSent, prefilled);
        Mono<DataBuffer> decodeCall = decode.call(path, body, decodeRank, requestId);
        // a decode answer that zip holds while the prefill half fails is discarded to the caller's hook
        // (EngineClient); Reactor chains discard hooks, so one here as well would release it twice
        return Mono.zip(decodeCall, prefillCall.thenReturn(Boolean.TRUE)).map(both -> both.getT1());
    }

    private Mono<Void> prefillCall(String path, ObjectNode body, String requestId, Runnable onSent,
            Runnable prefilled) {
        // released here and mapped to nothing: then() would hand the released answer to the caller's discard
        // hook, which would release it a second time
        return prefill.call(path, handshake(body), prefillRank, requestId)
                .flatMap(answer -> {
                    DataBufferUtils.release(answer);
                    return Mono.<Void>empty();
                })
                .doOnSuccess(done -> prefilled.run()).contextWrite(Context.of(EngineClient.ON_SENT, onSent));
    }

    /** Adds the handshake's fields to {@code body} and answers the prefill server's copy of it. */
    private ObjectNode handshake(ObjectNode body) {
        body.put("bootstrap_host", bootstrapHost);
        body.put("bootstrap_port", bootstrapPort);
        body.put("bootstrap_room", ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
        return body.deepCopy();
    }
}
