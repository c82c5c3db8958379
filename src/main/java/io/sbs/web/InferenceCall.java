package io.sbs.web;

import io.sbs.cluster.EngineCluster;
import io.sbs.control.Admission;
import io.sbs.core.InferenceRequest;
import io.sbs.engine.EngineClient;
import io.sbs.engine.EventFrames;
import io.sbs.engine.PdPair;
import io.sbs.loop.DispatchLoop;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One accepted request on its way through the engines; its ticket gives back what the dispatcher counted for
 * it when it ends, however it ends. It times the request (queue, {@code τ_net}, first token), tells the loop
 * of its prefill's end and its decode steps, and teaches the output-length predictor from the answer.
 */
final class InferenceCall {

    private static final Logger log = LoggerFactory.getLogger(InferenceHandler.class);
    private static final Pattern EVENT_END = Pattern.compile("\r?\n\r?\n|\r\r");

    /** What every call of one ingress shares. */
    record Shared(DispatchLoop loop, DispatcherMetrics metrics, OutputLengths outputLengths, EngineCluster cluster,
            Map<String, EngineClient> engines) {
    }

    private final Shared shared;
    private final DispatchLoop loop;
    final InferenceRequest request;
    final Admission.Ticket ticket;
    final String rid;
    /** Whether the client asked for a stream of events rather than one JSON answer. */
    final boolean streamed;
    private final String path;
    private final ObjectNode body;
    private final String model;
    private final String policy;
    /** Chunks of a stream that carried choices, and the output tokens an answer's usage reported (-1: none). */
    private final AtomicLong streamedChunks = new AtomicLong();
    private final AtomicLong reportedOutput = new AtomicLong(-1);
    private final AtomicBoolean firstTokenSeen = new AtomicBoolean();
    /** Whether the last event relayed was {@code data: [DONE]}; written on the engine call's thread only. */
    boolean doneSeen;
    /** When the decode stream last relayed events, on the loop's clock; {@code MIN_VALUE} before its first. */
    private long lastDecodeEventsAt = Long.MIN_VALUE;
    private final AtomicLong sentAt = new AtomicLong(Long.MIN_VALUE);
    private volatile DispatchLoop.Dispatched dispatched;

    InferenceCall(Shared shared, InferenceRequest request, Admission.Ticket ticket, String rid, String path,
            ObjectNode body, String model, boolean streamed) {
        this.shared = shared;
        this.loop = shared.loop();
        this.request = request;
        this.ticket = ticket;
        this.rid = rid;
        this.path = path;
        this.body = body;
        this.model = model;
        this.streamed = streamed;
        this.policy = loop.snapshot().policy();
    }

    /**
     * Reads what relayed events say of the output produced, when the predictor learns from it: the bytes go
     * to the client untouched, and are decoded here only then.
     */
    private void sawEvents(DataBuffer events) {
        if (!shared.outputLengths().learns()) {
            return;
        }
        String text = events.toString(events.readPosition(), events.readableByteCount(), StandardCharsets.UTF_8);
        // events end at a blank line (LF, CRLF or CR, as EventFrames cuts them); "data:" may lack its space
        for (String event : EVENT_END.split(text)) {
            if (event.startsWith("data:")) {
                saw(event.substring("data:".length()).strip());
            }
        }
    }

    /** The same for a whole answer. */
    void sawAnswer(DataBuffer answer) {
        if (shared.outputLengths().learns()) {
            saw(answer.toString(answer.readPosition(), answer.readableByteCount(), StandardCharsets.UTF_8));
        }
    }

    /** Reads what an engine's answer (or one event of a stream) says of the output produced. */
    private void saw(String data) {
        // a stream's chunks are counted, not parsed: only the one with usage (the last, or a whole answer) is read
        if (data.contains("\"usage\"")) {
            try {
                JsonNode tokens = InferenceHandler.JSON.readTree(data).path("usage").path("completion_tokens");
                if (tokens.isIntegralNumber()) {
                    reportedOutput.set(tokens.asLong());
                }
            } catch (JacksonException e) {
                // not JSON (an engine's own error text): nothing to learn from it
            }
        } else if (data.contains("\"choices\"")) {
            streamedChunks.incrementAndGet();
        }
    }

    /**
     * The request ended with its answer complete: the output it produced teaches the predictor. The usage
     * an engine reports counts; a stream without usage counts its chunks, one token each as SGLang and vLLM
     * stream by default. Failed or cancelled requests teach nothing: their length says nothing of the model's.
     */
    void completed() {
        if (!shared.outputLengths().learns()) {
            return;
        }
        long output = reportedOutput.get() >= 0 ? reportedOutput.get() : streamedChunks.get();
        if (output > 0) {
            shared.outputLengths().finished(model, request.promptTokens(), (int) Math.min(Integer.MAX_VALUE, output));
            shared.metrics().outputLearned(output);
        }
    }

    void decided(DispatchLoop.Dispatched d) {
        dispatched = d;
        long queued = d.decidedAtNanos() - request.arrivalNanos();
        shared.metrics().schedulerQueue(policy, queued);
        if (log.isDebugEnabled()) {
            log.debug("request {} ({} prompt tokens): prefill {}, decode {}, {} µs in the buffer", rid,
                    request.promptTokens(), d.unit(), d.decodeUnit(), queued / 1_000);
        }
    }

    /** Times {@code τ_net} of the prefill request: its decision until its engine request is on the wire. */
    private Context timed() {
        return Context.of(EngineClient.ON_SENT, (Runnable) this::sent);
    }

    private void sent() {
        long now = loop.now();
        sentAt.compareAndSet(Long.MIN_VALUE, now);
        loop.onDispatchLatency(now - dispatched.decidedAtNanos());
    }

    /** The call ended however it ended (answered, failed, cancelled). */
    void finished() {
        ticket.finished();
    }

    void firstToken() {
        if (firstTokenSeen.compareAndSet(false, true)) {
            long now = loop.now();
            shared.metrics().ttft(policy, now - request.arrivalNanos());
            long sent = sentAt.get();
            if (sent != Long.MIN_VALUE) {
                shared.metrics().deviceQueue(policy, now - sent - loop.snapshot().prefill().meanForwardNanos());
            }
            if (dispatched.decodeUnit() == null) {
                ticket.firstToken(now);
            }
        }
    }

    /** One whole event or more, relayed as the engine sent them. */
    void relayed(DataBuffer events) {
        if (!firstTokenSeen.get() && EventFrames.startsWithData(events)) {
            firstToken();
        }
        sawEvents(events);
        doneSeen = EventFrames.endsWithDone(events);
        timedDecodeStep(events);
    }

    /**
     * A decode server streams one token per step: the time since its previous events, per event, is its
     * step time. The end of the stream ({@code [DONE]}) follows the last token at once and is no step.
     */
    private void timedDecodeStep(DataBuffer events) {
        DispatchLoop.Dispatched d = dispatched;
        if (d == null || d.decodeUnit() == null) {
            return;
        }
        long now = loop.now();
        int count = EventFrames.dataEvents(events) - (doneSeen ? 1 : 0);
        if (lastDecodeEventsAt != Long.MIN_VALUE && count > 0 && now > lastDecodeEventsAt) {
            loop.onDecodeStepTimed(d.decodeUnit().instanceId(), (now - lastDecodeEventsAt) / count);
        }
        lastDecodeEventsAt = now;
    }

    /** The engine answer the client gets: the prefill server's, or with P/D the decode server's. */
    Flux<DataBuffer> events() {
        DispatchLoop.Dispatched d = dispatched;
        if (d.decodeUnit() == null) {
            return client(d.unit().instanceId()).stream(path, body, d.unit().dpRank(), rid).contextWrite(timed());
        }
        return pair(d).stream(path, body, rid, this::sent, this::prefilled);
    }

    /** The engine's whole answer as its bytes, relayed without decoding. */
    Mono<DataBuffer> answer() {
        DispatchLoop.Dispatched d = dispatched;
        if (d.decodeUnit() == null) {
            return client(d.unit().instanceId()).call(path, body, d.unit().dpRank(), rid).contextWrite(timed());
        }
        return pair(d).call(path, body, rid, this::sent, this::prefilled);
    }

    private EngineClient client(String instanceId) {
        return shared.engines().get(instanceId);
    }

    private PdPair pair(DispatchLoop.Dispatched d) {
        EngineCluster.Member prefill = shared.cluster().member(d.unit().instanceId());
        return new PdPair(client(d.unit().instanceId()), d.unit().dpRank(), prefill.bootstrapHost(),
                prefill.bootstrapPort(), client(d.decodeUnit().instanceId()), d.decodeUnit().dpRank());
    }

    /** The prefill server of a P/D pair answered: its prefill is done. */
    private void prefilled() {
        ticket.firstToken(loop.now());
    }
}
