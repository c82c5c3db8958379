package io.sbs.web;

import io.sbs.cluster.EngineCluster;
import io.sbs.control.Admission;
import io.sbs.core.ForwardEndedEvent;
import io.sbs.engine.EndForwardPayload;
import io.sbs.loop.DispatchLoop;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The EndForward push endpoint. Served by WebFlux, unlike the inference ingress: it needs Spring Security (the
 * engine token), and an engine pushes once per forward pass, not once per request. Its errors are problem
 * details, as the rest of the service's.
 */
final class EndForwardHandler {

    private final DispatchLoop loop;
    private final Admission admission;
    private final EngineCluster cluster;
    private final DispatcherMetrics metrics;

    EndForwardHandler(DispatchLoop loop, Admission admission, EngineCluster cluster, DispatcherMetrics metrics) {
        this.loop = loop;
        this.admission = admission;
        this.cluster = cluster;
        this.metrics = metrics;
    }

    /**
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
