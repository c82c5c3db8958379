package io.sbs.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

class EventFramesTest {

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    private static String text(ByteBuf buf) {
        String t = buf.toString(StandardCharsets.UTF_8);
        buf.release();
        return t;
    }

    @Test
    void next_wholeEvents_goOnUnchanged() {
        EventFrames frames = new EventFrames();
        ByteBuf in = bytes("data: {\"a\":1}\n\ndata: {\"b\":2}\n\n");
        ByteBuf out = frames.next(in);
        assertThat(out).isSameAs(in);
        assertThat(text(out)).isEqualTo("data: {\"a\":1}\n\ndata: {\"b\":2}\n\n");
    }

    @Test
    void next_eventSplitAcrossBuffers_waitsForItsEnd() {
        EventFrames frames = new EventFrames();
        assertThat(text(frames.next(bytes("data: 1\n\ndata: {\"b\"")))).isEqualTo("data: 1\n\n");
        assertThat(frames.next(bytes(":2}\n"))).isNull();
        assertThat(text(frames.next(bytes("\ndata: [DONE]\n\n")))).isEqualTo("data: {\"b\":2}\n\ndata: [DONE]\n\n");
    }

    @Test
    void next_crlfAndCrEnds_areEventEnds() {
        EventFrames frames = new EventFrames();
        assertThat(text(frames.next(bytes("data: 1\r\n\r\ndata: 2\r\n\r")))).isEqualTo("data: 1\r\n\r\n");
        assertThat(text(frames.next(bytes("\n")))).isEqualTo("data: 2\r\n\r\n");
        assertThat(text(frames.next(bytes("data: 3\r\r")))).isEqualTo("data: 3\r\r");
    }

    @Test
    void discard_releasesTheUnfinishedEvent() {
        EventFrames frames = new EventFrames();
        ByteBuf in = bytes("data: {\"cut");
        assertThat(frames.next(in)).isNull();
        frames.discard();
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void next_afterADiscard_releasesWhatArrives_andJoinsNothingToTheFreedBytes() {
        // a client that leaves discards on the server's thread while the engine's bytes still arrive
        EventFrames frames = new EventFrames();
        ByteBuf cut = bytes("data: {\"cut");
        assertThat(frames.next(cut)).isNull();
        frames.discard();
        ByteBuf late = bytes("\"}\n\ndata: 2\n\n");
        assertThat(frames.next(late)).isNull();
        assertThat(late.refCnt()).isZero();
        assertThat(cut.refCnt()).isZero();
    }

    @Test
    void next_eventWithoutEnd_isRefusedPastTheLimit() {
        EventFrames frames = new EventFrames();
        ByteBuf huge = Unpooled.buffer(EventFrames.MAX_EVENT_BYTES + 1).writeZero(EventFrames.MAX_EVENT_BYTES + 1);
        assertThatThrownBy(() -> frames.next(huge)).isInstanceOf(IllegalStateException.class);
        assertThat(huge.refCnt()).isZero();
    }

    @Test
    void endsWithDone_andStartsWithData_readTheFraming() {
        DefaultDataBufferFactory f = DefaultDataBufferFactory.sharedInstance;
        assertThat(EventFrames.endsWithDone(f.wrap("data: {}\n\ndata: [DONE]\n\n".getBytes()))).isTrue();
        assertThat(EventFrames.endsWithDone(f.wrap("data: [DONE]\r\n\r\n".getBytes()))).isTrue();
        assertThat(EventFrames.endsWithDone(f.wrap("data: {\"x\":1}\n\n".getBytes()))).isFalse();
        assertThat(EventFrames.endsWithDone(f.wrap("\n\n".getBytes()))).isFalse();
        assertThat(EventFrames.startsWithData(f.wrap("data: {}\n\n".getBytes()))).isTrue();
        assertThat(EventFrames.startsWithData(f.wrap(": keep-alive\n\n".getBytes()))).isFalse();
    }

    @Test
    void dataEvents_countsDataLines_notCommentsOrDataInsideAPayload() {
        DefaultDataBufferFactory f = DefaultDataBufferFactory.sharedInstance;
        assertThat(EventFrames.dataEvents(f.wrap("data: {\"a\":\"data:\"}\n\n".getBytes()))).isEqualTo(1);
        assertThat(EventFrames.dataEvents(f.wrap("data: {}\r\n\r\ndata:{}\r\rdata: {}\n\n".getBytes()))).isEqualTo(3);
        assertThat(EventFrames.dataEvents(f.wrap(": keep-alive\n\n".getBytes()))).isZero();
        assertThat(EventFrames.dataEvents(f.wrap("".getBytes()))).isZero();
    }
}
