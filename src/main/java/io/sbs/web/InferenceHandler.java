package io.sbs.web;

import io.sbs.control.Admission;
import io.sbs.control.SharedAdmission;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.core.InferenceRequest;
import io.sbs.engine.EndForwardPayload;
import io.sbs.engine.EngineAnswerException;
import io.sbs.engine.EngineClient;
import io.sbs.engine.PromptTokens;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import org.springframework.web.ErrorResponseException;
import reactor.util.context.Context;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI-compatible ingress and the EndForward push endpoint.
 *
 * <p>A completion request is validated (400 problem details for malformed JSON or a repeated key, missing
 * {@code messages} or {@code prompt}, a {@code max_tokens} that is not an integer from 0 up, prompts above
 * {@code sbs.max-prompt-tokens}, prompt plus {@code max_tokens} above {@code sbs.max-context-tokens}; 429
 * with {@code Retry-After} while flow control is on or the buffer is full), measured in tokens, offered to the dispatch loop, and sent to the engine and DP rank the loop
 * chose. With a decode unit chosen too (P/D), the request goes to both servers with the same
 * {@code bootstrap_room} and the client's answer comes from the decode server. The answer streams back
 * as server-sent events ending in {@code data: [DONE]}, or as one JSON body. A client that goes away
 * cancels the engine calls and frees what the dispatcher counted for them. Engine failures map to 502
 * (engine error), 503 (unreachable) and 504 (timeout).
 */
final class InferenceHandler {

    private static final Logger log = LoggerFactory.getLogger(InferenceHandler.class);
    // a repeated key would let one body say two things (last wins); refused as malformed JSON
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final DispatchLoop loop;
    private final Admission admission;
    private final String nodeId;
    private final Map<String, EngineClient> engines;
    private final EngineCluster cluster;
    private final SbsProperties properties;
    private final PromptTokens promptTokens;
    private final DispatcherMetrics metrics;
    private final AtomicLong ids = new AtomicLong();
    private final OutputLengths outputLengths;

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
    }

    Mono<ServerResponse> chat(ServerRequest request) {
        return complete(request, "/v1/chat/completions", true);
    }

    Mono<ServerResponse> completions(ServerRequest request) {
        return complete(request, "/v1/completions", false);
    }

    Mono<ServerResponse> models(ServerRequest request) {
        ObjectNode o = JSON.createObjectNode().put("object", "list");
        o.putArray("data").addObject().put("id", "sbs").put("object", "model").put("owned_by", "sbs");
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(o.toString());
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
                return invalid("malformed JSON: " + e.getOriginalMessage());
            }
            if (!(json instanceof ObjectNode body)) {
                return invalid("the request body must be a JSON object");
            }
            if (chat && (!body.path("messages").isArray() || body.get("messages").isEmpty())) {
                return invalid("'messages' must be a non-empty array");
            }
            if (!chat && !body.has("prompt")) {
                return invalid("'prompt' is required");
            }
            String maxField = body.has("max_tokens") ? "max_tokens" : "max_completion_tokens";
            JsonNode maxTokens = body.get(maxField);
            // a number beyond 32 bits cannot fit any context; canConvertToInt also keeps BigIntegers out
            if (maxTokens != null && !maxTokens.isNull()
                    && (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt() || maxTokens.intValue() < 0)) {
                return invalid("'" + maxField + "' must be an integer from 0 to " + properties.maxContextTokens());
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
                            + properties.maxPromptTokens() + " this service accepts");
                }
                Integer asked = maxTokens == null || maxTokens.isNull() ? null : maxTokens.intValue();
                int output = outputLengths.requested(asked);
                // as OpenAI answers: the prompt and the completion asked for must fit the model's context
                if ((long) prompt + output > properties.maxContextTokens()) {
                    return invalid("this service's maximum context length is " + properties.maxContextTokens()
                            + " tokens; the request asks for " + about + ((long) prompt + output) + " (" + about + prompt
                            + " in the prompt, " + output + " in the completion): lower '" + maxField + "'");
                }
                if (admission.overloaded()) {
                    metrics.rejected("overload");
                    return retryLater(HttpStatus.TOO_MANY_REQUESTS, "the dispatcher is overloaded, retry later");
                }
                long id = ids.incrementAndGet();
                String rid = requestId != null && !requestId.isBlank() ? requestId : "req-" + id;
                String model = body.path("model").asString("");
                // the decode placement counts the expected output; the context check above and the shared
                // record below keep what the client asked for
                InferenceRequest inference = new InferenceRequest(id, prompt,
                        outputLengths.expected(model, prompt, asked), loop.now());
                Admission.Ticket ticket = admission.admit(inference, () -> new AcceptedRequest(rid, nodeId, path,
                        body.toString(), prompt, output, System.currentTimeMillis()));
                Call call = new Call(inference, ticket, rid, path, body, model);
                return body.path("stream").asBoolean(false) ? stream(call) : whole(call);
            });
        });
    }

    /** 400, through the one error path of client mistakes ({@link ClientErrors}). */
    private <T> Mono<T> invalid(String detail) {
        metrics.rejected("invalid");
        return Mono.error(new ErrorResponseException(HttpStatus.BAD_REQUEST,
                ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail), null));
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

        /** Reads what an engine's answer (or one chunk of a stream) says of the output produced. */
        void saw(String data) {
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
            long output = reportedOutput.get() >= 0 ? reportedOutput.get() : streamedChunks.get();
            if (output > 0) {
                outputLengths.finished(model, request.promptTokens(), (int) Math.min(Integer.MAX_VALUE, output));
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

        /** The engine answer the client gets: the prefill server's, or with P/D the decode server's. */
        Flux<String> events() {
            DispatchLoop.Dispatched d = dispatched;
            if (d.decodeUnit() == null) {
                return engines.get(d.unit().instanceId()).stream(path, body, d.unit().dpRank(), rid).contextWrite(timed());
            }
            Mono<String> prefill = prefillOfPair(d);
            Flux<String> decode = engines.get(d.decodeUnit().instanceId()).stream(path, body, d.decodeUnit().dpRank(), rid);
            return Flux.merge(decode, prefill.then(Mono.empty()));
        }

        Mono<String> answer() {
            DispatchLoop.Dispatched d = dispatched;
            if (d.decodeUnit() == null) {
                return engines.get(d.unit().instanceId()).call(path, body, d.unit().dpRank(), rid).contextWrite(timed());
            }
            Mono<String> prefill = prefillOfPair(d);
            Mono<String> decode = engines.get(d.decodeUnit().instanceId()).call(path, body, d.decodeUnit().dpRank(), rid);
            return Mono.zip(decode, prefill).map(both -> both.getT1());
        }

        /** The prefill server's half of a P/D pair: a non-streaming call whose answer marks the prefill done. */
        private Mono<String> prefillOfPair(DispatchLoop.Dispatched d) {
            return engines.get(d.unit().instanceId()).call(path, pd(d), d.unit().dpRank(), rid)
                    .doOnSuccess(answer -> ticket.firstToken(loop.now())).contextWrite(timed());
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

    private Mono<ServerResponse> stream(Call call) {
        Flux<ServerSentEvent<String>> events = call.ticket.decided()
                .flatMapMany(d -> {
                    call.decided(d);
                    return call.events().doOnNext(data -> {
                        call.firstToken();
                        call.saw(data);
                    }).doOnComplete(call::completed);
                })
                // before the answer goes out, not after (doFinally): the client may send its next request at once
                .doOnTerminate(call::finished).doOnCancel(call::finished)
                .map(data -> ServerSentEvent.builder(data).build())
                .concatWith(Mono.just(ServerSentEvent.builder("[DONE]").build()))
                .onErrorResume(e -> {
                    log.warn("request {} failed: {}", call.rid, detailOf(e));
                    return Mono.just(ServerSentEvent.builder(errorJson(e)).build());
                });
        return ServerResponse.ok().header("X-Request-Id", call.rid).contentType(MediaType.TEXT_EVENT_STREAM)
                .body(events, ServerSentEvent.class);
    }

    private Mono<ServerResponse> whole(Call call) {
        return call.ticket.decided()
                .flatMap(d -> {
                    call.decided(d);
                    return call.answer().doOnNext(answer -> {
                        call.firstToken();
                        call.saw(answer);
                        call.completed();
                    });
                })
                // before the answer goes out, not after (doFinally): the client may send its next request at once
                .doOnTerminate(call::finished).doOnCancel(call::finished)
                .flatMap(answer -> ServerResponse.ok().header("X-Request-Id", call.rid)
                        .contentType(MediaType.APPLICATION_JSON).bodyValue(answer))
                .onErrorResume(e -> {
                    log.warn("request {} failed: {}", call.rid, detailOf(e));
                    if (sharedStateDown(e)) {
                        // nothing was started: the client may simply try again, here or on another replica
                        return retryLater(HttpStatus.SERVICE_UNAVAILABLE, detailOf(e));
                    }
                    return problem(statusOf(e), detailOf(e));
                });
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
        if (e instanceof EngineAnswerException) {
            return HttpStatus.BAD_GATEWAY;
        }
        if (e instanceof TimeoutException) {
            return HttpStatus.GATEWAY_TIMEOUT;
        }
        // refused or reset connections, a connection closed before the answer ended
        if (e instanceof IOException || e.getCause() instanceof ConnectException) {
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

    private static String errorJson(Throwable e) {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("error").put("message", detailOf(e)).put("code", statusOf(e).value());
        return o.toString();
    }

    /** An RFC 9457 problem-details answer, rendered by Spring's codecs. */
    static Mono<ServerResponse> problem(HttpStatusCode status, String detail) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .bodyValue(ProblemDetail.forStatusAndDetail(status, detail));
    }

    /** A problem-details answer the client may retry in a second: nothing of the request was started. */
    private static Mono<ServerResponse> retryLater(HttpStatus status, String detail) {
        return ServerResponse.status(status).header("Retry-After", "1").contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .bodyValue(ProblemDetail.forStatusAndDetail(status, detail));
    }
}
