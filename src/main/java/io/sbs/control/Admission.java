package io.sbs.control;

import io.sbs.core.InferenceRequest;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * How an accepted request gets its DP units: from this node's dispatch loop ({@link LocalAdmission}, the
 * embedded default), or through the shared buffer, decided by whichever node leads
 * ({@link SharedAdmission}). The ingress calls the engines with the answer either way.
 */
public interface Admission {

    /** Whether new requests should be refused with 429 now. */
    boolean overloaded();

    /**
     * Takes a request in; nothing happens until {@link Ticket#decided()} is subscribed to. {@code accepted}
     * is built only where the request is shared (it copies the body).
     */
    Ticket admit(InferenceRequest request, Supplier<AcceptedRequest> accepted);

    /**
     * An engine pushed EndForward to this node: if another node decides, it is relayed there and this
     * answers true; false means this node's loop should take it.
     */
    boolean relayEndForward(String payload);

    /** One admitted request. */
    interface Ticket {

        /**
         * Completes with the decision, once (a duplicate from a second leader is dropped). Cancelling
         * withdraws the request. Fails when no leader decides in time.
         */
        Mono<DispatchLoop.Dispatched> decided();

        /**
         * The prefill is done: its first token (with P/D, the prefill server's answer) came back at
         * {@code observedAt} on the dispatch loop's clock, which tells the loop the pass that ran it ended.
         * Idempotent, and nothing after {@link #prefillDone()}.
         */
        void firstToken(long observedAt);

        /** The call ended before its first token: its prompt no longer counts. Idempotent. */
        void prefillDone();

        /** The call ended however it ended: the request leaves the buffer. Idempotent; implies prefillDone. */
        void finished();
    }
}
