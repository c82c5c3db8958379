package io.sbs.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;

/**
 * Cuts an engine's server-sent-event stream into whole events, byte for byte as the engine sent them, so the
 * dispatcher relays them without decoding and re-encoding (docs/api.md, "Streams").
 *
 * <p>An event ends at a blank line: {@code \n\n}, {@code \r\n\r\n} (and the mixed forms) or {@code \r\r}.
 * Each buffer received is handed on up to its last event end; the bytes after it wait for the next buffer.
 * Engines write one event per chunk, so the usual buffer goes on whole, without a copy or a slice. A stream
 * cut off inside an event (a dead engine, a timeout) so never leaves half an event on the client's wire:
 * the dispatcher's error event can follow cleanly, and the half event is dropped, as the SSE specification
 * tells clients to drop an event the stream ended in.
 *
 * <p>One instance per stream, fed in order (Reactor's serial delivery of {@code onNext}). {@link #discard()}
 * may come from another thread: a client that leaves cancels the stream on the server's event loop while
 * the engine's buffer is being cut on the client's. So the two are synchronized (uncontended but for that
 * moment), and a buffer that arrives after the discard is released at once instead of being joined to
 * bytes already given back, which Netty would log as a release of a freed buffer.
 */
public final class EventFrames {

    /** An engine that never ends an event would otherwise grow the held bytes without bound. */
    static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;

    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    private @Nullable ByteBuf held;
    private boolean discarded;

    /**
     * Takes ownership of {@code received} and answers the whole events it completes (ownership passes to
     * the caller), or null when it ends none.
     *
     * @throws IllegalStateException when an event grows beyond {@link #MAX_EVENT_BYTES}
     */
    public synchronized @Nullable ByteBuf next(ByteBuf received) {
        if (discarded) {
            received.release();
            return null;
        }
        ByteBuf all = held == null ? received : Unpooled.wrappedBuffer(held, received);
        held = null;
        int end = lastEventEnd(all);
        if (end == all.writerIndex()) {
            return all;
        }
        if (end < 0) {
            if (all.readableBytes() > MAX_EVENT_BYTES) {
                all.release();
                throw new IllegalStateException("the engine sent an event of more than " + MAX_EVENT_BYTES + " bytes");
            }
            held = all;
            return null;
        }
        ByteBuf whole = all.readRetainedSlice(end - all.readerIndex());
        held = all;
        return whole;
    }

    /** Releases what an unfinished event held, and whatever arrives later; the stream ended or was cancelled. */
    public synchronized void discard() {
        discarded = true;
        if (held != null) {
            held.release();
            held = null;
        }
    }

    /** Whether the last event in {@code events} is {@code data: [DONE]}, the end of an OpenAI stream. */
    public static boolean endsWithDone(DataBuffer events) {
        int i = events.writePosition() - 1;
        while (i >= events.readPosition() && (events.getByte(i) == '\n' || events.getByte(i) == '\r')) {
            i--;
        }
        int start = i - DONE.length + 1;
        if (start < events.readPosition()) {
            return false;
        }
        for (int k = 0; k < DONE.length; k++) {
            if (events.getByte(start + k) != DONE[k]) {
                return false;
            }
        }
        return true;
    }

    /** How many data lines {@code events} holds: the events a stream relayed in it (comments not counted). */
    public static int dataEvents(DataBuffer events) {
        int count = 0;
        int from = events.readPosition();
        int to = events.writePosition();
        for (int i = from; i + 4 < to; i++) {
            if ((i == from || events.getByte(i - 1) == '\n' || events.getByte(i - 1) == '\r')
                    && events.getByte(i) == 'd' && events.getByte(i + 1) == 'a' && events.getByte(i + 2) == 't'
                    && events.getByte(i + 3) == 'a' && events.getByte(i + 4) == ':') {
                count++;
            }
        }
        return count;
    }

    /** Whether {@code events} begins with a data line (not a comment or a keep-alive): a token came. */
    public static boolean startsWithData(DataBuffer events) {
        return events.readableByteCount() > 0 && events.getByte(events.readPosition()) == 'd';
    }

    /** The index just after the last blank line in {@code buf}, or -1. */
    private static int lastEventEnd(ByteBuf buf) {
        int from = buf.readerIndex();
        for (int i = buf.writerIndex() - 1; i > from; i--) {
            byte b = buf.getByte(i);
            byte before = buf.getByte(i - 1);
            if (b == '\n' && (before == '\n' || (before == '\r' && i - 2 >= from && buf.getByte(i - 2) == '\n'))) {
                return i + 1;
            }
            if (b == '\r' && before == '\r') {
                return i + 1;
            }
        }
        return -1;
    }
}
