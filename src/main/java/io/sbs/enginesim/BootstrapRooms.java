package io.sbs.enginesim;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The prefill side of SGLang's P/D bootstrap handshake, simulated: the router sends one request to a
 * prefill and a decode server with the same {@code bootstrap_room}; the decode server waits here until the
 * room's prompt is prefilled (where the real engines would transfer its KV cache). Rooms nobody fetches
 * are forgotten after {@code ttl}.
 */
final class BootstrapRooms {

    private final ConcurrentHashMap<Long, Sinks.Empty<Void>> rooms = new ConcurrentHashMap<>();
    private final Duration ttl;

    BootstrapRooms(Duration ttl) {
        this.ttl = ttl;
    }

    private Sinks.Empty<Void> room(long id) {
        return rooms.computeIfAbsent(id, k -> {
            Sinks.Empty<Void> sink = Sinks.empty();
            Mono.delay(ttl).subscribe(t -> rooms.remove(k, sink));
            return sink;
        });
    }

    void prefilled(long id) {
        room(id).tryEmitEmpty();
    }

    /** Completes when the room is prefilled; fails with a timeout after {@code ttl}. */
    Mono<Void> awaitPrefilled(long id) {
        Sinks.Empty<Void> sink = room(id);
        return sink.asMono().timeout(ttl).doOnSuccess(v -> rooms.remove(id, sink));
    }
}
