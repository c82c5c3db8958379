package io.sbs.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.sbs.engine.EngineLoops;
import io.sbs.engine.TruncatedStreamException;
import io.sbs.errors.CallFailures;
import io.sbs.errors.ClientErrors;
import io.sbs.errors.OpenAiErrors;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponse;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.util.DisconnectedClientHelper;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The inference ingress on Reactor Netty: {@code POST /v1/chat/completions}, {@code POST /v1/completions} and
 * {@code GET /v1/models} are served by Reactor Netty's own routes, ahead of Spring's handler, which serves every
 * other request on the same port (404 and 405 under {@code /v1/**} included). These three run thousands of
 * times a second, and WebFlux's machinery around each (server adapter, filter chain, functional endpoints,
 * codecs, an observation) cost the dispatcher about three times nginx's CPU per request (docs/benchmarks.md,
 * issue 14); here a request is its body's bytes, parsed by Jackson, and the engine's bytes written back.
 *
 * <p>What WebFlux gave these paths is done here, the same way: the body limit of
 * {@code spring.http.codecs.max-in-memory-size} (413), the {@code Content-Type} and its charset (415), client
 * mistakes answered and logged through {@link ClientErrors}'s rules as OpenAI error objects, a client that
 * leaves ending the exchange quietly, the ingress's security headers, and the meter {@code http.server.requests}
 * with Spring's tags ({@link IngressTimers}).
 */
final class InferenceRoutes implements NettyRouteProvider {

    private static final Logger log = LoggerFactory.getLogger(InferenceRoutes.class);
    static final String CHAT = "/v1/chat/completions";
    static final String COMPLETIONS = "/v1/completions";
    static final String MODELS = "/v1/models";
    private static final String REQUEST_ID = "X-Request-Id";
    private static final byte[] DONE_EVENT = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    /**
     * What SecurityConfiguration's ingress chain writes on every other answer under {@code /v1/**}: the answers
     * are JSON or event streams for programs, never pages, so nothing may sniff, frame, cache or run them.
     */
    private static final HttpHeaders SECURITY_HEADERS = new DefaultHttpHeaders()
            .add("X-Content-Type-Options", "nosniff")
            .add("X-Frame-Options", "DENY")
            .add("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
            .add("Referrer-Policy", "no-referrer")
            .add("Cache-Control", "no-store");

    private final InferenceHandler handler;
    private final DispatcherMetrics metrics;
    private final IngressTimers timers;
    private final int maxBodyBytes;

    InferenceRoutes(InferenceHandler handler, DispatcherMetrics metrics, IngressTimers timers, int maxBodyBytes) {
        this.handler = handler;
        this.metrics = metrics;
        this.timers = timers;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public HttpServerRoutes apply(HttpServerRoutes routes) {
        // exact paths, as Spring matched them: a trailing slash or a query-less variant stays Spring's 404
        return routes.route(r -> r.method() == HttpMethod.POST && CHAT.equals(path(r)),
                        (request, response) -> complete(request, response, CHAT, true))
                .route(r -> r.method() == HttpMethod.POST && COMPLETIONS.equals(path(r)),
                        (request, response) -> complete(request, response, COMPLETIONS, false))
                .route(r -> r.method() == HttpMethod.GET && MODELS.equals(path(r)), this::models);
    }

    /** The request's path as sent, without its query. */
    private static String path(HttpServerRequest request) {
        String uri = request.uri();
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** The body of {@code GET /v1/models} ({@link InferenceHandler#models()}). */
    byte[] models() {
        return handler.models();
    }

    private Publisher<Void> models(HttpServerRequest request, HttpServerResponse response) {
        long start = System.nanoTime();
        byte[] body = handler.models();
        return json(response, HttpResponseStatus.OK, body.length).sendByteArray(Mono.just(body)).then()
                .doFinally(signal -> timers.record(IngressTimers.Uri.MODELS, 200, null, System.nanoTime() - start));
    }

    private Publisher<Void> complete(HttpServerRequest request, HttpServerResponse response, String path,
            boolean chat) {
        long start = System.nanoTime();
        IngressTimers.Uri uri = chat ? IngressTimers.Uri.CHAT : IngressTimers.Uri.COMPLETIONS;
        Charset charset;
        try {
            charset = RequestBody.charset(request);
        } catch (RuntimeException e) {
            metrics.rejected("invalid");
            Exchange refused = new Exchange(request, response, uri, path, chat, null, start);
            refused.status = statusOf(e);
            refused.error = e;
            return refused(request, response, e).doFinally(refused);
        }
        Exchange exchange = new Exchange(request, response, uri, path, chat, charset, start);
        return RequestBody.read(request, maxBodyBytes).flatMap(exchange)
                .flatMap(call -> call.streamed ? stream(call, exchange) : whole(call, exchange))
                .onErrorResume(e -> {
                    exchange.status = statusOf(e);
                    if (e instanceof InferenceHandler.Overloaded o) {
                        return write(response, new CallFailures.Failure(HttpStatus.TOO_MANY_REQUESTS, o.getMessage(),
                                "overloaded", true));
                    }
                    exchange.error = e;
                    if (e instanceof DataBufferLimitException) {
                        metrics.rejected("too-large");
                    } else if (ClientErrors.isClientMistake(e) && !(e instanceof ErrorResponseException)) {
                        // the handler counts its own refusals; these came from reading the body
                        metrics.rejected("invalid");
                    }
                    return refused(request, response, e);
                })
                .doFinally(exchange)
                // the engine call runs on this loop, over a connection of its pool (EngineLoops)
                .contextWrite(EngineLoops::onCallerLoop);
    }

    /**
     * One completion request on its route: its admission as a function of its body, and its meter as the
     * answer ends (a client that left before: {@code UNKNOWN}, as Spring tags an aborted connection). One
     * object for both, not a lambda each, since every request makes one.
     */
    private final class Exchange implements Function<byte[], Mono<InferenceCall>>, Consumer<SignalType> {
        final HttpServerRequest request;
        final HttpServerResponse response;
        final IngressTimers.Uri uri;
        final String path;
        final boolean chat;
        final @Nullable Charset charset;
        final long start;
        int status = 200;
        @Nullable Throwable error;

        Exchange(HttpServerRequest request, HttpServerResponse response, IngressTimers.Uri uri, String path,
                boolean chat, @Nullable Charset charset, long start) {
            this.request = request;
            this.response = response;
            this.uri = uri;
            this.path = path;
            this.chat = chat;
            this.charset = charset;
            this.start = start;
        }

        @Override
        public Mono<InferenceCall> apply(byte[] body) {
            return handler.accept(body, charset, path, chat, request.requestHeaders().get(REQUEST_ID));
        }

        @Override
        public void accept(SignalType signal) {
            long nanos = System.nanoTime() - start;
            if (signal == SignalType.CANCEL) {
                timers.recordAborted(uri, nanos);
            } else {
                timers.record(uri, status, error, nanos);
            }
        }
    }

    /** A whole answer: the engine's JSON body, its bytes, or the OpenAI error object of a failure before it. */
    private Mono<Void> whole(InferenceCall call, Exchange exchange) {
        HttpServerResponse response = exchange.response;
        return handler.answer(call)
                .flatMap(answer -> {
                    ByteBuf bytes = NettyDataBufferFactory.toByteBuf(answer);
                    return sendWhole(json(response, HttpResponseStatus.OK, bytes.readableBytes())
                            .header(REQUEST_ID, call.rid), bytes);
                })
                .onErrorResume(e -> {
                    CallFailures.Failure failure = handler.failed(call, e, false);
                    exchange.status = failure.status().value();
                    return write(response, failure);
                })
                // an answer that comes as the client leaves is dropped on the way, and is ours (EngineClient)
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
    }

    /**
     * Sends {@code bytes}, the whole body. Reactor Netty never subscribes to a body sent on a connection already
     * closed (the client left as the engine answered), and so never releases it: whichever takes the buffer
     * first owns it, the send or the end of the exchange without it.
     */
    private static Mono<Void> sendWhole(HttpServerResponse response, ByteBuf bytes) {
        AtomicBoolean taken = new AtomicBoolean();
        return response.send(Mono.defer(() -> taken.compareAndSet(false, true) ? Mono.just(bytes) : Mono.empty()))
                .then()
                .doFinally(signal -> {
                    if (taken.compareAndSet(false, true)) {
                        bytes.release();
                    }
                });
    }

    /**
     * A streamed answer. Its status waits for the engine's first event (or its refusal), so an error before
     * the first byte has its own status and an OpenAI error object; after it, the engine's events go to the
     * client as the engine framed them, each flushed as it comes, and an error ends the stream as OpenAI,
     * SGLang and vLLM end one: an error event, then {@code data: [DONE]}.
     */
    private Mono<Void> stream(InferenceCall call, Exchange exchange) {
        HttpServerResponse response = exchange.response;
        // the source is not cancelled when the first event is seen: the response goes on reading it
        return handler.events(call).switchOnFirst((first, events) -> {
            if (!first.hasValue()) {
                Throwable e = first.isOnError() ? first.getThrowable() : new TruncatedStreamException();
                CallFailures.Failure failure = handler.failed(call, e, false);
                exchange.status = failure.status().value();
                return write(response, failure);
            }
            secured(response.status(HttpResponseStatus.OK))
                    .header(HttpHeaderNames.CONTENT_TYPE, MediaType.TEXT_EVENT_STREAM_VALUE).header(REQUEST_ID, call.rid);
            Flux<ByteBuf> relayed = events.map(NettyDataBufferFactory::toByteBuf)
                    .concatWith(Flux.defer(() -> call.doneSeen ? Flux.empty()
                            : Flux.error(new TruncatedStreamException())))
                    .onErrorResume(e -> {
                        CallFailures.Failure failure = handler.failed(call, e, true);
                        byte[] event = ("data: " + failure.json() + "\n\n").getBytes(StandardCharsets.UTF_8);
                        return Mono.just(Unpooled.wrappedBuffer(event, DONE_EVENT));
                    });
            return response.send(relayed).then();
        }, false)
                // the first event, held until the send takes it (never, on a closed connection), and events queued
                // when the client leaves are dropped on the way, and are ours (EngineClient)
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release)
                .then();
    }

    /** Adds the security headers; {@code headers(...)} would replace the ones Reactor Netty set (chunked transfer). */
    private static HttpServerResponse secured(HttpServerResponse response) {
        response.responseHeaders().add(SECURITY_HEADERS);
        return response;
    }

    private static HttpServerResponse json(HttpServerResponse response, HttpResponseStatus status, int length) {
        return secured(response.status(status))
                .header(HttpHeaderNames.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(length));
    }

    /** The answer to a request that failed before its first byte: its status and an OpenAI error object. */
    private static Mono<Void> write(HttpServerResponse response, CallFailures.Failure failure) {
        byte[] body = failure.json().getBytes(StandardCharsets.UTF_8);
        HttpServerResponse r = json(response, HttpResponseStatus.valueOf(failure.status().value()), body.length);
        if (failure.retryLater()) {
            // nothing was started: the client may simply try again, here or on another replica
            r.header(HttpHeaderNames.RETRY_AFTER, "1");
        }
        return r.sendByteArray(Mono.just(body)).then();
    }

    /**
     * A client's mistake (400, 413, 415, 408) answered as {@link ClientErrors} answers it elsewhere under
     * {@code /v1/**}: one log line and an OpenAI error object. A client that left, or an answer already on
     * the wire (Reactor Netty's own 408), ends the exchange quietly; anything else is a fault of ours, logged
     * with its trace and answered 500.
     */
    private Mono<Void> refused(HttpServerRequest request, HttpServerResponse response, Throwable e) {
        if (DisconnectedClientHelper.isClientDisconnectedException(e)) {
            log.debug("request {} {}: the client went away ({})", request.method(), path(request), e.toString());
            return Mono.empty();
        }
        if (response.hasSentHeaders()) {
            log.info("request {} {} failed after its answer began: {}", request.method(), path(request), e.toString());
            return Mono.empty();
        }
        ErrorResponse refusal = ClientErrors.refusal(e);
        if (refusal == null) {
            log.error("request {} {} failed", request.method(), path(request), e);
            return write(response, new CallFailures.Failure(HttpStatus.INTERNAL_SERVER_ERROR,
                    "the request failed inside the dispatcher; its log has the details", null, false));
        }
        ProblemDetail problem = refusal.getBody();
        InetSocketAddress from = request.remoteAddress();
        ClientErrors.logRefusal(request.method().name(), path(request), from, problem.getStatus(), problem.getDetail());
        byte[] body = OpenAiErrors.json(problem).getBytes(StandardCharsets.UTF_8);
        return json(response, HttpResponseStatus.valueOf(problem.getStatus()), body.length)
                .sendByteArray(Mono.just(body)).then();
    }

    private static int statusOf(Throwable e) {
        if (e instanceof InferenceHandler.Overloaded) {
            return 429;
        }
        ErrorResponse refusal = ClientErrors.refusal(e);
        return refusal == null ? 500 : refusal.getStatusCode().value();
    }
}
