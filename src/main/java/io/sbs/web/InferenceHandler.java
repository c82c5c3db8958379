package io.sbs.web;

import io.sbs.cluster.EngineCluster;
import io.sbs.cluster.UnknownInstanceException;
import io.sbs.config.SbsProperties;
import io.sbs.control.Admission;
import io.sbs.control.SharedAdmission;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.InferenceRequest;
import io.sbs.engine.EndForwardPayload;
import io.sbs.engine.EngineAnswerException;
import io.sbs.engine.EngineClient;
import io.sbs.engine.EventFrames;
import io.sbs.engine.PrefixBlocks;
import io.sbs.engine.PromptTokens;
import io.sbs.errors.ClientErrors;
import io.sbs.errors.OpenAiErrors;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI-compatible ingress and the EndForward push endpoint.
 *
 * <p>A completion request is validated (400 for malformed JSON or a repeated key, missing
 * {@code messages} or {@code prompt}, a {@code max_tokens} that is not an integer from 0 up, prompts above
 * {@code sbs.max-prompt-tokens}, prompt plus {@code max_tokens} above {@code sbs.max-context-tokens}; 429
 * with {@code Retry-After} while flow control is on or the buffer is full), measured in tokens, hashed into prefix blocks ({@link PrefixBlocks}, blocks of the prefill instances' {@code cache-block-tokens}), offered to the dispatch loop, and sent to the engine and DP rank the loop
 * chose. With a decode unit chosen too (P/D), the request goes to both servers with the same
 * {@code bootstrap_room} and the client's answer comes from the decode server. The answer streams back
 * as the engine's server-sent events, relayed byte for byte and ending in {@code data: [DONE]}, or as one
 * JSON body. Every error is an OpenAI error object ({@link OpenAiErrors}); the EndForward push's are
 * problem details, as the rest of the service's. A client that goes away
 * cancels the engine calls and frees what the dispatcher counted for them. Engine failures map to 502
 * (engine error), 503 (unreachable) and 504 (timeout).
 */
final class InferenceHandler {

    private static final Logger log = LoggerFactory.getLogger(InferenceHandler.class);
    // a repeated key would let one body say two things (last wins); refused as malformed JSON
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** OpenAI's {@code code} for a prompt or completion that does not fit. */
    private static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
    private static final String DONE_EVENT = "data: [DONE]\n\n";
    private static final Pattern EVENT_END = Pattern.compile("\r?\n\r?\n|\r\r");

    private final DispatchLoop loop;
    private final Admission admission;
    private final String nodeId;
    private final Map<String, EngineClient> engines;
    private final EngineCluster cluster;
    private final SbsProperties properties;
    private final PromptTokens promptTokens;
    /** How long a decision may wait for this node to learn of an instance registered on the leader. */
    private static final Duration KNOWN_WITHIN = Duration.ofSeconds(5);
    private final DispatcherMetrics metrics;
    private final AtomicLong ids = new AtomicLong();
    private final OutputLengths outputLengths;
    private final String models;
    private final int cacheBlockTokens;

    InferenceHandler(DispatchLoop loop, Admission admission, EngineCluster cluster, SbsProperties properties,
            PromptTokens promptTokens, DispatcherMetrics metrics) {
        this.loop = loop;
        this.admission = admission;
        this.nodeId = properties.state().nodeId();
        this.cluster = cluster;
        this.engines = cluster.clients();
        this.properties = properties;
        this.promptTokens = promptTokens;
        this.metrics = metrics;
        this.outputLengths = new OutputLengths(properties.decode());
        this.cacheBlockTokens = cluster.cacheBlockTokens();
        ObjectNode list = JSON.createObjectNode().put("object", "list");
        list.putArray("data").addObject().put("id", "sbs").put("object", "model")
                .put("created", System.currentTimeMillis() / 1_000).put("owned_by", "sbs");
        this.models = list.toString();
    }

    Mono<ServerResponse> chat(ServerRequest request) {
        return complete(request, "/v1/chat/completions", true);
    }

    Mono<ServerResponse> completions(ServerRequest request) {
        return complete(request, "/v1/completions", false);
    }

    /**
     * {@code GET /v1/models} as OpenAI lists models: one model, {@code sbs}, which the dispatcher passes on to
     * the engines with whatever {@code model} a client names. {@code created} is when this dispatcher started
     * (Unix seconds), as OpenAI's is when the model was made.
     */
    Mono<ServerResponse> models(ServerRequest request) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(models);
    }

    private Mono<ServerResponse> complete(ServerRequest request, String path, boolean chat) {
        String requestId = request.headers().firstHeader("X-Request-Id");
        // deferred: reading the body parses the Content-Type, which a client may have garbled
        return Mono.defer(() -> request.bodyToMono(String.class)).defaultIfEmpty("")
                .doOnError(ClientErrors::isClientMistake, e -> metrics.rejected(
                        e instanceof DataBufferLimitException ? "too-large" : "invalid"))
                .flatMap(text -> {
            JsonNode json;
            try {
                json = JSON.readTree(text);
            } catch (JacksonException e) {
                return invalid("malformed JSON: " + e.getOriginalMessage(), null, null);
            }
            if (!(json instanceof ObjectNode body)) {
                return invalid("the request body must be a JSON object", null, null);
            }
            if (chat && (!body.path("messages").isArray() || body.get("messages").isEmpty())) {
                return invalid("'messages' must be a non-empty array", "messages", null);
            }
            if (!chat && !body.has("prompt")) {
                return invalid("'prompt' is required", "prompt", null);
            }
            String maxField = body.has("max_tokens") ? "max_tokens" : "max_completion_tokens";
            JsonNode maxTokens = body.get(maxField);
            // a number beyond 32 bits cannot fit any context; canConvertToInt also keeps BigIntegers out
            if (maxTokens != null && !maxTokens.isNull()
                    && (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt() || maxTokens.intValue() < 0)) {
                return invalid("'" + maxField + "' must be an integer from 0 to " + properties.maxContextTokens(),
                        maxField, null);
            }
            // a tokenizer may take tens of milliseconds on a long prompt: never on the event loop
            Mono<PromptTokens.Measurement> measuring = promptTokens.tokenizes(body)
                    ? Mono.fromCallable(() -> promptTokens.measure(body)).subscribeOn(Schedulers.parallel())
                    : Mono.just(promptTokens.measure(body));
            return measuring.flatMap(measured -> {
                metrics.promptMeasured(measured.source());
                int prompt = measured.tokens();
                String about = measured.source() == PromptTokens.Source.ESTIMATE ? "about " : "";
                if (prompt > properties.maxPromptTokens()) {
                    return invalid("the prompt has " + about + prompt + " tokens, more than the "
                            + properties.maxPromptTokens() + " this service accepts", chat ? "messages" : "prompt",
                            CONTEXT_LENGTH_EXCEEDED);
                }
                Integer asked = maxTokens == null || maxTokens.isNull() ? null : maxTokens.intValue();
                int output = outputLengths.requested(asked);
                // as OpenAI answers: the prompt and the completion asked for must fit the model's context
                if ((long) prompt + output > properties.maxContextTokens()) {
                    return invalid("this service's maximum context length is " + properties.maxContextTokens()
                            + " tokens; the request asks for " + about + ((long) prompt + output) + " (" + about + prompt
                            + " in the prompt, " + output + " in the completion): lower '" + maxField + "'", maxField,
                            CONTEXT_LENGTH_EXCEEDED);
                }
                if (admission.overloaded()) {
                    metrics.rejected("overload");
                    return OpenAiErrors.retryLater(HttpStatus.TOO_MANY_REQUESTS, "the dispatcher is overloaded, retry later",
                            "overloaded");
                }
                long id = ids.incrementAndGet();
                String rid = requestId != null && !requestId.isBlank() ? requestId : "req-" + id;
                String model = body.path("model").asString("");
                // the decode placement counts the expected output; the context check above and the shared
                // record below keep what the client asked for
                // tens of microseconds for a long prompt (PrefixBlocksBenchmark): no reason to leave the event loop
                long[] blocks = PrefixBlocks.of(body, cacheBlockTokens).hashes();
                InferenceRequest inference = new InferenceRequest(id, prompt,
                        outputLengths.expected(model, prompt, asked), loop.now(), blocks);
                Admission.Ticket ticket = admission.admit(inference, () -> new AcceptedRequest(rid, nodeId, path,
                        body.toString(), prompt, output, System.currentTimeMillis(), blocks));
                Call call = new Call(inference, ticket, rid, path, body, model);
                return body.path("stream").asBoolean(false) ? stream(call) : whole(call);
            });
        });
    }

    /**
     * 400, through the one error path of client mistakes ({@link ClientErrors}), which writes it as an OpenAI
     * error object naming {@code param} and {@code code}.
     */
    private <T> Mono<T> invalid(String detail, @Nullable String param, @Nullable String code) {
        metrics.rejected("invalid");
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        if (param != null) {
            problem.setProperty(OpenAiErrors.PARAM, param);
        }
        if (code != null) {
            problem.setProperty(OpenAiErrors.CODE, code);
        }
        return Mono.error(new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, null));
    }

    /**
     * One accepted request on its way through the engines; its ticket gives back what the dispatcher
     * counted for it when it ends, however it ends.
     */
    private final class Call {
        final InferenceRequest request;
        final Admission.Ticket ticket;
        final String rid;
        final String path;
        final ObjectNode body;
        final String model;
        final String policy = loop.snapshot().policy();
        /** Chunks of a stream that carried choices, and the output tokens an answer's usage reported (-1: none). */
        final AtomicLong streamedChunks = new AtomicLong();
        final AtomicLong reportedOutput = new AtomicLong(-1);
        final AtomicBoolean firstTokenSeen = new AtomicBoolean();
        /** Whether the last event relayed was {@code data: [DONE]}; written on the engine call's thread only. */
        boolean doneSeen;
        /** When the decode stream last relayed events, on the loop's clock; {@code MIN_VALUE} before its first. */
        long lastDecodeEventsAt = Long.MIN_VALUE;
        final AtomicLong sentAt = new AtomicLong(Long.MIN_VALUE);
        volatile DispatchLoop.Dispatched dispatched;

        Call(InferenceRequest request, Admission.Ticket ticket, String rid, String path, ObjectNode body, String model) {
            this.request = request;
            this.ticket = ticket;
            this.rid = rid;
            this.path = path;
            this.body = body;
            this.model = model;
        }

        /**
         * Reads what relayed events say of the output produced, when the predictor learns from it: the bytes go
         * to the client untouched, and are decoded here only then.
         */
        void sawEvents(DataBuffer events) {
            if (!outputLengths.learns()) {
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
            if (outputLengths.learns()) {
                saw(answer.toString(answer.readPosition(), answer.readableByteCount(), StandardCharsets.UTF_8));
            }
        }

        /** Reads what an engine's answer (or one event of a stream) says of the output produced. */
        private void saw(String data) {
            // a stream's chunks are counted, not parsed: only the one with usage (the last, or a whole answer) is read
            if (data.contains("\"usage\"")) {
                try {
                    JsonNode tokens = JSON.readTree(data).path("usage").path("completion_tokens");
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
            if (!outputLengths.learns()) {
                return;
            }
            long output = reportedOutput.get() >= 0 ? reportedOutput.get() : streamedChunks.get();
            if (output > 0) {
                outputLengths.finished(model, request.promptTokens(), (int) Math.min(Integer.MAX_VALUE, output));
                metrics.outputLearned(output);
            }
        }

        void decided(DispatchLoop.Dispatched d) {
            dispatched = d;
            long queued = d.decidedAtNanos() - request.arrivalNanos();
            metrics.schedulerQueue(policy, queued);
            if (log.isDebugEnabled()) {
                log.debug("request {} ({} prompt tokens): prefill {}, decode {}, {} µs in the buffer", rid,
                        request.promptTokens(), d.unit(), d.decodeUnit(), queued / 1_000);
            }
        }

        /** Times {@code τ_net} of the prefill request: its decision until its engine request is on the wire. */
        Context timed() {
            return Context.of(EngineClient.ON_SENT, (Runnable) () -> {
                long now = loop.now();
                sentAt.compareAndSet(Long.MIN_VALUE, now);
                loop.onDispatchLatency(now - dispatched.decidedAtNanos());
            });
        }

        /** The call ended however it ended (answered, failed, cancelled). */
        void finished() {
            ticket.finished();
        }

        void firstToken() {
            if (firstTokenSeen.compareAndSet(false, true)) {
                long now = loop.now();
                metrics.ttft(policy, now - request.arrivalNanos());
                long sent = sentAt.get();
                if (sent != Long.MIN_VALUE) {
                    metrics.deviceQueue(policy, now - sent - loop.snapshot().prefill().meanForwardNanos());
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
                return engines.get(d.unit().instanceId()).stream(path, body, d.unit().dpRank(), rid).contextWrite(timed());
            }
            Mono<Void> prefill = prefillOfPair(d);
            Flux<DataBuffer> decode = engines.get(d.decodeUnit().instanceId()).stream(path, body, d.decodeUnit().dpRank(), rid);
            return Flux.merge(decode, prefill.then(Mono.empty()));
        }

        /** The engine's whole answer as its bytes, relayed without decoding. */
        Mono<DataBuffer> answer() {
            DispatchLoop.Dispatched d = dispatched;
            if (d.decodeUnit() == null) {
                return engines.get(d.unit().instanceId()).call(path, body, d.unit().dpRank(), rid).contextWrite(timed());
            }
            Mono<Void> prefill = prefillOfPair(d);
            Mono<DataBuffer> decode = engines.get(d.decodeUnit().instanceId()).call(path, body, d.decodeUnit().dpRank(), rid);
            return Mono.zip(decode, prefill.thenReturn(Boolean.TRUE)).map(both -> both.getT1())
                    // a decode answer held while the prefill half fails is never written
                    .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
        }

        /** The prefill server's half of a P/D pair: a non-streaming call whose answer marks the prefill done. */
        private Mono<Void> prefillOfPair(DispatchLoop.Dispatched d) {
            return engines.get(d.unit().instanceId()).call(path, pd(d), d.unit().dpRank(), rid)
                    .doOnNext(DataBufferUtils::release).then()
                    .doOnSuccess(done -> ticket.firstToken(loop.now())).contextWrite(timed());
        }

        /**
         * Adds SGLang's P/D handshake to the body: both servers get the prefill server's bootstrap address
         * and one random room. Returns the prefill server's copy; {@code body} becomes the decode server's.
         */
        private ObjectNode pd(DispatchLoop.Dispatched d) {
            EngineCluster.Member prefill = cluster.member(d.unit().instanceId());
            body.put("bootstrap_host", prefill.bootstrapHost());
            body.put("bootstrap_port", prefill.bootstrapPort());
            body.put("bootstrap_room", ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
            return body.deepCopy();
        }
    }

    /**
     * A streamed answer. Its status waits for the engine's first event (or its refusal), so an error before
     * the first byte has its own status and an OpenAI error object; after it, the engine's events go to the
     * client as the engine framed them, and an error ends the stream as OpenAI, SGLang and vLLM end one: an
     * error event, then {@code data: [DONE]}.
     */
    private Mono<ServerResponse> stream(Call call) {
        Flux<DataBuffer> relayed = call.ticket.decided().flatMap(this::known)
                .flatMapMany(d -> {
                    call.decided(d);
                    return call.events().doOnComplete(call::completed);
                })
                .doOnNext(call::relayed)
                // before the answer goes out, not after (doFinally): the client may send its next request at once
                .doOnTerminate(call::finished).doOnCancel(call::finished);
        // the source is not cancelled when the response is ready: the response's writer goes on reading it
        return relayed.switchOnFirst((first, events) -> first.hasValue()
                        ? relay(call, events)
                        : failed(call, first.isOnError() ? first.getThrowable() : new TruncatedStreamException()), false)
                .single();
    }

    /**
     * The decision, once this node has a client for every instance it names: the leader may decide for an
     * instance an operator registered a moment ago, before this node followed the stored change.
     */
    private Mono<DispatchLoop.Dispatched> known(DispatchLoop.Dispatched d) {
        Mono<Void> prefill = cluster.known(d.unit().instanceId(), KNOWN_WITHIN);
        return (d.decodeUnit() == null ? prefill : prefill.then(cluster.known(d.decodeUnit().instanceId(),
                KNOWN_WITHIN))).thenReturn(d);
    }

    private Mono<ServerResponse> relay(Call call, Flux<DataBuffer> events) {
        return ServerResponse.ok().header("X-Request-Id", call.rid).contentType(MediaType.TEXT_EVENT_STREAM)
                .body((message, context) -> message.writeAndFlushWith(events
                        .concatWith(Flux.defer(() -> call.doneSeen ? Flux.empty() : Flux.error(new TruncatedStreamException())))
                        .onErrorResume(e -> {
                            log.warn("request {} failed mid-stream: {}", call.rid, detailOf(e));
                            HttpStatusCode status = statusOf(e);
                            String event = "data: " + OpenAiErrors.json(status, detailOf(e), null, codeOf(e)) + "\n\n"
                                    + DONE_EVENT;
                            return Mono.just(message.bufferFactory().wrap(event.getBytes(StandardCharsets.UTF_8)));
                        })
                        .map(Mono::just)));
    }

    private Mono<ServerResponse> whole(Call call) {
        return call.ticket.decided().flatMap(this::known)
                .flatMap(d -> {
                    call.decided(d);
                    return call.answer().doOnNext(answer -> {
                        call.firstToken();
                        call.sawAnswer(answer);
                        call.completed();
                    });
                })
                // before the answer goes out, not after (doFinally): the client may send its next request at once
                .doOnTerminate(call::finished).doOnCancel(call::finished)
                .flatMap(answer -> ServerResponse.ok().header("X-Request-Id", call.rid)
                        .contentType(MediaType.APPLICATION_JSON).bodyValue(answer))
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release)
                .onErrorResume(e -> failed(call, e));
    }

    /** The answer to a request that failed before its first byte: its status and an OpenAI error object. */
    private static Mono<ServerResponse> failed(Call call, Throwable e) {
        log.warn("request {} failed: {}", call.rid, detailOf(e));
        if (sharedStateDown(e)) {
            // nothing was started: the client may simply try again, here or on another replica
            return OpenAiErrors.retryLater(HttpStatus.SERVICE_UNAVAILABLE, detailOf(e), "shared_state_unavailable");
        }
        if (e instanceof UnknownInstanceException) {
            // decided for an instance this node has not followed yet (or has just lost): nothing was sent
            return OpenAiErrors.retryLater(HttpStatus.SERVICE_UNAVAILABLE, detailOf(e), "engine_unavailable");
        }
        return OpenAiErrors.response(statusOf(e), detailOf(e), null, codeOf(e));
    }

    /**
     * {@code POST /internal/v1/end-forward}: an engine's EndForward push. The engine token is checked
     * before it gets here (role {@code ENGINE}, io.sbs.security). A push outside physical bounds, of the
     * wrong shape or for an unknown instance is refused with 422 before the core sees it (a broken body with
     * 400), and counted by reason.
     */
    Mono<ServerResponse> endForward(ServerRequest request) {
        return Mono.defer(() -> request.bodyToMono(String.class)).defaultIfEmpty("")
                .doOnError(DataBufferLimitException.class, e -> metrics.endForwardRejected("too-large"))
                .flatMap(text -> {
            ForwardEndedEvent ended;
            try {
                ended = EndForwardPayload.parse(text, loop.now(), 0, cluster::dpUnitsOf);
            } catch (EndForwardPayload.Refused e) {
                metrics.endForwardRejected(e.reason());
                HttpStatus status = e.reason() == EndForwardPayload.Refused.Reason.MALFORMED ? HttpStatus.BAD_REQUEST
                        : HttpStatus.UNPROCESSABLE_CONTENT;
                return Mono.error(new ErrorResponseException(status,
                        ProblemDetail.forStatusAndDetail(status, e.getMessage()), null));
            }
            if (!admission.relayEndForward(text)) {
                loop.onForwardEnded(ended);
                metrics.endForwardApplied("direct");
            } else {
                // a hot standby: its own loop learns the pass too, so a takeover starts on measured passes,
                // and a push relayed to a leader that has just died is not lost to the node taking over
                loop.onForwardObserved(ended);
                metrics.endForwardApplied("standby");
            }
            return ServerResponse.noContent().build();
        });
    }

    /** The shared state (Redis) could not take or decide the request: before any engine call. */
    private static boolean sharedStateDown(Throwable e) {
        return e instanceof SharedAdmission.NoDecisionException || e instanceof DataAccessException;
    }

    private static HttpStatusCode statusOf(Throwable e) {
        if (sharedStateDown(e)) {
            return HttpStatus.SERVICE_UNAVAILABLE;
        }
        if (e instanceof EngineAnswerException || e instanceof TruncatedStreamException) {
            return HttpStatus.BAD_GATEWAY;
        }
        if (e instanceof TimeoutException) {
            return HttpStatus.GATEWAY_TIMEOUT;
        }
        // refused or reset connections, a connection closed before the answer ended; an instance not followed yet
        if (e instanceof IOException || e.getCause() instanceof ConnectException || e instanceof UnknownInstanceException) {
            return HttpStatus.SERVICE_UNAVAILABLE;
        }
        return HttpStatus.INTERNAL_SERVER_ERROR;
    }

    private static String detailOf(Throwable e) {
        if (e instanceof SharedAdmission.NoDecisionException) {
            return e.getMessage();
        }
        if (e instanceof DataAccessException) {
            return "the shared state (Redis) is unavailable: " + e.getMessage();
        }
        if (e instanceof EngineAnswerException a) {
            return "engine answered " + a.status() + ": " + a.body();
        }
        if (e instanceof TimeoutException) {
            return "the engine did not answer in time";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The error object's {@code code} for an engine's failure, which the client may retry. */
    private static @Nullable String codeOf(Throwable e) {
        return switch (statusOf(e).value()) {
            case 502 -> "engine_error";
            case 503 -> sharedStateDown(e) ? "shared_state_unavailable" : "engine_unavailable";
            case 504 -> "engine_timeout";
            default -> null;
        };
    }

    /** An engine's stream that ended (or began) without {@code data: [DONE]}: the answer was cut short. */
    private static final class TruncatedStreamException extends RuntimeException {
        TruncatedStreamException() {
            super("the engine's stream ended before data: [DONE]", null, false, false);
        }
    }
}
