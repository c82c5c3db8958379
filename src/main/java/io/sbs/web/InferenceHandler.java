package io.sbs.web;

import io.sbs.cluster.EngineCluster;
import io.sbs.cluster.UnknownInstanceException;
import io.sbs.config.SbsProperties;
import io.sbs.control.Admission;
import io.sbs.control.SharedAdmission;
import io.sbs.core.InferenceRequest;
import io.sbs.engine.PrefixBlocks;
import io.sbs.engine.PromptTokens;
import io.sbs.errors.CallFailures;
import io.sbs.errors.ClientErrors;
import io.sbs.errors.OpenAiErrors;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the OpenAI-compatible ingress does with a completion request, whoever serves its HTTP
 * ({@link InferenceRoutes}).
 *
 * <p>A completion request is validated (400 for malformed JSON or a repeated key, missing
 * {@code messages} or {@code prompt}, a {@code max_tokens} that is not an integer from 0 up, prompts above
 * {@code sbs.max-prompt-tokens}, prompt plus {@code max_tokens} above {@code sbs.max-context-tokens}; 429
 * with {@code Retry-After} while flow control is on or the buffer is full), measured in tokens, hashed into
 * prefix blocks ({@link PrefixBlocks}, blocks of the prefill instances' {@code cache-block-tokens}), offered
 * to the dispatch loop, and sent to the engine and DP rank the loop chose ({@link InferenceCall}; with a
 * decode unit chosen too, to both servers of the P/D pair). The answer is the engine's server-sent events,
 * relayed byte for byte and ending in {@code data: [DONE]}, or its one JSON body. A client that goes away
 * cancels the engine calls and frees what the dispatcher counted for them. Engine failures map to 502
 * (engine error), 503 (unreachable) and 504 (timeout) ({@link CallFailures}).
 */
final class InferenceHandler {

    private static final Logger log = LoggerFactory.getLogger(InferenceHandler.class);
    // a repeated key would let one body say two things (last wins); refused as malformed JSON
    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** OpenAI's {@code code} for a prompt or completion that does not fit. */
    private static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";

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
    private final byte[] models;
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
        this.models = list.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code GET /v1/models} as OpenAI lists models: one model, {@code sbs}, which the dispatcher passes on to
     * the engines with whatever {@code model} a client names. {@code created} is when this dispatcher started
     * (Unix seconds), as OpenAI's is when the model was made.
     */
    byte[] models() {
        return models;
    }

    /**
     * Reads, validates, measures and admits one completion request ({@code chat}: {@code messages}, else
     * {@code prompt}): the call on its way, or a refusal as an error ({@link ErrorResponseException} for a
     * 400, {@link Overloaded} for a 429). A body without a charset, or in UTF-8, is parsed from its bytes.
     */
    Mono<InferenceCall> accept(byte[] bytes, @Nullable Charset charset, String path, boolean chat,
            @Nullable String requestId) {
        JsonNode json;
        try {
            json = charset == null || charset.equals(StandardCharsets.UTF_8) ? JSON.readTree(bytes)
                    : JSON.readTree(new String(bytes, charset));
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
        if (promptTokens.tokenizes(body)) {
            return Mono.fromCallable(() -> promptTokens.measure(body)).subscribeOn(Schedulers.parallel())
                    .flatMap(measured -> admit(body, measured, maxField, maxTokens, path, chat, requestId));
        }
        return admit(body, promptTokens.measure(body), maxField, maxTokens, path, chat, requestId);
    }

    private Mono<InferenceCall> admit(ObjectNode body, PromptTokens.Measurement measured, String maxField,
            @Nullable JsonNode maxTokens, String path, boolean chat, @Nullable String requestId) {
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
            return Mono.error(Overloaded.INSTANCE);
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
        return Mono.just(new InferenceCall(shared, inference, ticket, rid, path, body, model,
                body.path("stream").asBoolean(false)));
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
     * A streamed answer: the engine's events as the engine framed them, once the request is decided and sent.
     * The ticket is given back as the stream ends, however it ends.
     */
    Flux<DataBuffer> events(InferenceCall call) {
        return call.ticket.decided().flatMap(this::known)
                .flatMapMany(d -> {
                    call.decided(d);
                    return call.events().doOnComplete(call::completed);
                })
                .doOnNext(call::relayed)
                // before the answer goes out, not after (doFinally): the client may send its next request at once
                .doOnTerminate(call::finished).doOnCancel(call::finished);
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

    /** A whole answer: the engine's JSON body, its bytes relayed. */
    Mono<DataBuffer> answer(InferenceCall call) {
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
                .doOnTerminate(call::finished).doOnCancel(call::finished);
    }

    /** What a failed call answers, and its log line. */
    CallFailures.Failure failed(InferenceCall call, Throwable e, boolean midStream) {
        CallFailures.Failure failure = failures.of(e);
        log.warn(midStream ? "request {} failed mid-stream: {}" : "request {} failed: {}", call.rid, failure.message());
        return failure;
    }

    /** 429: flow control refuses the request; nothing was started. */
    static final class Overloaded extends RuntimeException {

        private static final long serialVersionUID = 1L;
        static final Overloaded INSTANCE = new Overloaded();

        private Overloaded() {
            super("the dispatcher is overloaded, retry later", null, false, false);
        }
    }
}
