package io.sbs.web;

import io.sbs.cluster.EngineCluster;
import io.sbs.cluster.UnknownInstanceException;
import io.sbs.config.SbsProperties;
import io.sbs.control.Admission;
import io.sbs.control.SharedAdmission;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.InferenceRequest;
import io.sbs.engine.EndForwardPayload;
import io.sbs.engine.PrefixBlocks;
import io.sbs.engine.PromptTokens;
import io.sbs.engine.TruncatedStreamException;
import io.sbs.errors.CallFailures;
import io.sbs.errors.ClientErrors;
import io.sbs.errors.OpenAiErrors;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
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
    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** OpenAI's {@code code} for a prompt or completion that does not fit. */
    private static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
    private static final String DONE_EVENT = "data: [DONE]\n\n";

    private final DispatchLoop loop;
    private final Admission admission;
    private final String nodeId;
    private final EngineCluster cluster;
    private final SbsProperties properties;
    private final PromptTokens promptTokens;
    /** How long a decision may wait for this node to learn of an instance registered on the leader. */
    private static final Duration KNOWN_WITHIN = Duration.ofSeconds(5);
    private final DispatcherMetrics metrics;
    private final AtomicLong ids = new AtomicLong();
    private final OutputLengths outputLengths;
    private final InferenceCall.Shared shared;
    private final CallFailures failures = new CallFailures(SharedAdmission.NoDecisionException.class,
            UnknownInstanceException.class);
    private final String models;
    private final int cacheBlockTokens;

    InferenceHandler(DispatchLoop loop, Admission admission, EngineCluster cluster, SbsProperties properties,
            PromptTokens promptTokens, DispatcherMetrics metrics) {
        this.loop = loop;
        this.admission = admission;
        this.nodeId = properties.state().nodeId();
        this.cluster = cluster;
        this.properties = properties;
        this.promptTokens = promptTokens;
        this.metrics = metrics;
        this.outputLengths = new OutputLengths(properties.decode());
        this.shared = new InferenceCall.Shared(loop, metrics, outputLengths, cluster, cluster.clients());
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
                InferenceCall call = new InferenceCall(shared, inference, ticket, rid, path, body, model);
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
     * A streamed answer. Its status waits for the engine's first event (or its refusal), so an error before
     * the first byte has its own status and an OpenAI error object; after it, the engine's events go to the
     * client as the engine framed them, and an error ends the stream as OpenAI, SGLang and vLLM end one: an
     * error event, then {@code data: [DONE]}.
     */
    private Mono<ServerResponse> stream(InferenceCall call) {
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

    private Mono<ServerResponse> relay(InferenceCall call, Flux<DataBuffer> events) {
        return ServerResponse.ok().header("X-Request-Id", call.rid).contentType(MediaType.TEXT_EVENT_STREAM)
                .body((message, context) -> message.writeAndFlushWith(events
                        .concatWith(Flux.defer(() -> call.doneSeen ? Flux.empty() : Flux.error(new TruncatedStreamException())))
                        .onErrorResume(e -> {
                            CallFailures.Failure failure = failures.of(e);
                            log.warn("request {} failed mid-stream: {}", call.rid, failure.message());
                            String event = "data: " + failure.json() + "\n\n" + DONE_EVENT;
                            return Mono.just(message.bufferFactory().wrap(event.getBytes(StandardCharsets.UTF_8)));
                        })
                        .map(Mono::just)));
    }

    private Mono<ServerResponse> whole(InferenceCall call) {
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
    private Mono<ServerResponse> failed(InferenceCall call, Throwable e) {
        CallFailures.Failure failure = failures.of(e);
        log.warn("request {} failed: {}", call.rid, failure.message());
        // nothing was started (the shared state is down, an instance not followed yet): the client may try again
        return failure.retryLater() ? OpenAiErrors.retryLater(failure.status(), failure.message(), failure.code())
                : OpenAiErrors.response(failure.status(), failure.message(), null, failure.code());
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
}
