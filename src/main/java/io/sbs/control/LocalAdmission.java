package io.sbs.control;

import io.sbs.core.InferenceRequest;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.AcceptedRequest;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/** One node deciding alone (the embedded default): the request goes straight to this node's loop. */
public final class LocalAdmission implements Admission {

    private final DispatchLoop loop;

    public LocalAdmission(DispatchLoop loop) {
        this.loop = loop;
    }

    @Override
    public boolean overloaded() {
        return loop.overloaded();
    }

    @Override
    public boolean relayEndForward(String payload) {
        return false;
    }

    @Override
    public Ticket admit(InferenceRequest request, Supplier<AcceptedRequest> accepted) {
        return new LocalTicket(request);
    }

    private final class LocalTicket implements Ticket {
        private final InferenceRequest request;
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile DispatchLoop.Dispatched dispatched;

        LocalTicket(InferenceRequest request) {
            this.request = request;
        }

        @Override
        public Mono<DispatchLoop.Dispatched> decided() {
            return loop.submit(request).doOnNext(d -> dispatched = d);
        }

        @Override
        public void firstToken(long observedAt) {
            DispatchLoop.Dispatched d = dispatched;
            if (d != null && released.compareAndSet(false, true)) {
                loop.onPrefillCompleted(d.unit(), d.request().id(), request.promptTokens(), observedAt);
            }
        }

        @Override
        public void prefillDone() {
            DispatchLoop.Dispatched d = dispatched;
            if (d != null && released.compareAndSet(false, true)) {
                loop.onPrefillReleased(d.unit(), d.request().id(), request.promptTokens());
            }
        }

        @Override
        public void finished() {
            prefillDone();
        }
    }
}
