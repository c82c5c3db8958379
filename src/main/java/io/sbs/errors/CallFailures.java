package io.sbs.errors;

import io.sbs.engine.EngineAnswerException;
import io.sbs.engine.TruncatedStreamException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/**
 * What the ingress answers for an accepted request that failed: the status, the message and the OpenAI
 * error object's {@code code}. An engine's error answer is 502 ({@code engine_error}), and so is a stream
 * cut short; an engine that does not answer in time 504 ({@code engine_timeout}); one that cannot be
 * reached, or an instance this node does not know yet, 503 ({@code engine_unavailable}); a shared state
 * (Redis) that could not take or decide the request 503 ({@code shared_state_unavailable}). Anything else is
 * a fault of ours, 500.
 *
 * <p>The two exceptions that say a request was refused before anything was sent belong to packages above
 * this one (the shared admission's, the engine cluster's), so their types are given to the constructor.
 */
public final class CallFailures {

    private final Class<? extends Throwable> noDecision;
    private final Class<? extends Throwable> unknownInstance;

    /**
     * @param noDecision      thrown when no scheduler leader decided a request in time
     * @param unknownInstance thrown when a decision names an instance this node does not know
     */
    public CallFailures(Class<? extends Throwable> noDecision, Class<? extends Throwable> unknownInstance) {
        this.noDecision = noDecision;
        this.unknownInstance = unknownInstance;
    }

    /**
     * The answer to {@code e}.
     *
     * @param status     the status before the first byte (inside a stream, the error event's)
     * @param message    the error object's {@code message}
     * @param code       the error object's {@code code}: a word the client may act on, or null
     * @param retryLater nothing of the request was started: the client may simply try again, here or on
     *                   another replica ({@code Retry-After})
     */
    public record Failure(HttpStatusCode status, String message, @Nullable String code, boolean retryLater) {

        /** The OpenAI error object, as JSON. */
        public String json() {
            return OpenAiErrors.json(status, message, null, code);
        }
    }

    public Failure of(Throwable e) {
        HttpStatusCode status = statusOf(e);
        String code = switch (status.value()) {
            case 502 -> "engine_error";
            case 503 -> sharedStateDown(e) ? "shared_state_unavailable" : "engine_unavailable";
            case 504 -> "engine_timeout";
            default -> null;
        };
        return new Failure(status, detailOf(e), code, sharedStateDown(e) || unknownInstance.isInstance(e));
    }

    /** The shared state (Redis) could not take or decide the request: before any engine call. */
    private boolean sharedStateDown(Throwable e) {
        return noDecision.isInstance(e) || e instanceof DataAccessException;
    }

    private HttpStatusCode statusOf(Throwable e) {
        if (sharedStateDown(e)) {
            return HttpStatus.SERVICE_UNAVAILABLE;
        }
        if (e instanceof EngineAnswerException || e instanceof TruncatedStreamException) {
            return HttpStatus.BAD_GATEWAY;
        }
        if (e instanceof TimeoutException) {
            return HttpStatus.GATEWAY_TIMEOUT;
        }
        // refused or reset connections, a connection closed before the answer ended; an instance not followed yet
        if (e instanceof IOException || e.getCause() instanceof ConnectException || unknownInstance.isInstance(e)) {
            return HttpStatus.SERVICE_UNAVAILABLE;
        }
        return HttpStatus.INTERNAL_SERVER_ERROR;
    }

    private String detailOf(Throwable e) {
        if (noDecision.isInstance(e)) {
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
}
