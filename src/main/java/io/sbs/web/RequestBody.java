package io.sbs.web;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.Charset;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.MediaType;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

/**
 * A request body read on a Reactor Netty route as Spring's codecs would read it: whole, at most
 * {@code spring.http.codecs.max-in-memory-size} (beyond, the {@link DataBufferLimitException} Spring throws,
 * which {@code ClientErrors} answers 413), in the charset its {@code Content-Type} names (a type Spring cannot
 * parse, or an unknown charset, is its {@code InvalidMediaTypeException}, 415). The bytes are gathered into one
 * array, which Jackson parses at once: no {@code String} in between.
 */
final class RequestBody {

    /** A declared length is a promise, not a fact: up to this much is taken at its word. */
    private static final int TRUSTED_LENGTH = 64 * 1024;

    private byte[] bytes;
    private int size;
    private final int limit;

    private RequestBody(long declared, int limit) {
        this.bytes = new byte[declared >= 0 ? (int) Math.min(declared, TRUSTED_LENGTH) : 1024];
        this.limit = limit;
    }

    /** The whole body of {@code request}, at most {@code limit} bytes; empty is an empty array. */
    static Mono<byte[]> read(HttpServerRequest request, int limit) {
        long declared = declaredLength(request);
        if (declared > limit) {
            return Mono.error(tooLarge(limit));
        }
        return request.receive().reduce(new RequestBody(declared, limit), RequestBody::add).map(RequestBody::bytes);
    }

    /** The body's charset; null for none (UTF-8, which Jackson reads from the bytes). */
    static @Nullable Charset charset(HttpServerRequest request) {
        String type = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || type.equals(MediaType.APPLICATION_JSON_VALUE)) {
            return null;
        }
        return MediaType.parseMediaType(type).getCharset();
    }

    /** The {@code Content-Length} sent, or -1 (Reactor Netty answers 400 itself to one that is no number). */
    private static long declaredLength(HttpServerRequest request) {
        String length = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        try {
            return length == null ? -1 : Long.parseLong(length);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static DataBufferLimitException tooLarge(int limit) {
        return new DataBufferLimitException("Exceeded limit on max bytes to buffer : " + limit);
    }

    private RequestBody add(ByteBuf chunk) {
        int n = chunk.readableBytes();
        if (size + (long) n > limit) {
            throw tooLarge(limit);
        }
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(limit, Math.max(size + (long) n, 2L * bytes.length)));
        }
        chunk.readBytes(bytes, size, n);
        size += n;
        return this;
    }

    private byte[] bytes() {
        return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }
}
