package io.sbs.control;

import io.sbs.loop.DispatchLoop;
import io.sbs.state.ClusterStateStore;
import io.sbs.state.Leadership;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * What the accepting side ({@link AcceptingSide}) and the deciding side ({@link DecidingSide}) of one
 * node's shared admission both use: the store, the lease, the node's loop, degraded mode, and the codec
 * of the messages between nodes. Logs under {@link SharedAdmission}'s name, as before the split.
 *
 * @param degraded null: the store's outages are not ridden out (requests fail after the decision timeout)
 */
record SharedContext(ClusterStateStore store, Leadership leadership, DispatchLoop loop, String node,
        @Nullable DegradedMode degraded, AdmissionCodec codec) {

    static final Logger log = LoggerFactory.getLogger(SharedAdmission.class);

    /** Whether this node decides alone now (degraded mode). */
    boolean alone() {
        return degraded != null && degraded.degraded();
    }

    /** Whether this node decides the requests it accepts: it leads, or decides alone. */
    boolean decidesOwn() {
        return leadership.isLeader() || alone();
    }

    /** Logs a failed store call of the background work; the work goes on. */
    <T> Mono<T> warn(Throwable e) {
        log.warn("{}: shared admission: {}", node, e.toString());
        return Mono.empty();
    }

    /** Sends {@code message} to whichever node leads; a failure is logged (notices are at most once anyway). */
    void noticeLeader(AdmissionMessage message) {
        store.noticeLeader(codec.encode(message)).onErrorResume(this::warn).subscribe();
    }
}
