package io.sbs.admin;

import io.sbs.control.InvalidPreviewException;
import io.sbs.control.NotLeaderException;
import io.sbs.control.PreviewBusyException;
import io.sbs.core.InvalidPolicyException;
import io.sbs.errors.ClientErrors;
import io.sbs.state.Leadership;
import io.sbs.state.VersionConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * The admin API's errors as RFC 9457 problem details: Spring's own (405, 406, 415, bad parameters) through
 * {@link ResponseEntityExceptionHandler}, the API's refusals ({@link Problems}), and the control plane's:
 * a standby's 409 naming the leader, a stale version's 412, an invalid policy's 422 naming each field, and
 * the preview's 422 (nothing to replay) and 429 (busy).
 */
@RestControllerAdvice(basePackageClasses = AdminExceptionHandler.class)
class AdminExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(AdminExceptionHandler.class);

    private static ResponseEntity<ProblemDetail> problem(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    /** A standby: the client should send the change to the leader, which the problem names. */
    @ExceptionHandler(NotLeaderException.class)
    ResponseEntity<ProblemDetail> notLeader(NotLeaderException e) {
        Leadership.Status s = e.status();
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
        p.setTitle("Not the leader");
        p.setProperty("nodeId", s.nodeId());
        p.setProperty("leaderId", s.leaderId());
        p.setProperty("epoch", s.epoch());
        return problem(p);
    }

    @ExceptionHandler(VersionConflictException.class)
    ResponseEntity<ProblemDetail> versionConflict(VersionConflictException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.PRECONDITION_FAILED,
                "someone changed the policy in between: " + e.getMessage() + "; read it again");
        p.setProperty("currentVersion", e.currentVersion());
        return problem(p);
    }

    @ExceptionHandler(InvalidPolicyException.class)
    ResponseEntity<ProblemDetail> invalidPolicy(InvalidPolicyException e) {
        return problem(Problems.invalid(e.fieldErrors()).getBody());
    }

    /** The preview cannot run on what it was given: nothing recorded, an unknown trace, over its limits. */
    @ExceptionHandler(InvalidPreviewException.class)
    ResponseEntity<ProblemDetail> invalidPreview(InvalidPreviewException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage());
        p.setProperty("reason", e.reason().name());
        return problem(p);
    }

    /** One preview at a time per node: the simulations are CPU-bound, and the dispatcher needs its cores. */
    @ExceptionHandler(PreviewBusyException.class)
    ResponseEntity<ProblemDetail> previewBusy(PreviewBusyException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, e.getMessage());
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, e.retryAfter().toSeconds()))).body(p);
    }

    /**
     * Anything else is a fault of ours: logged with its trace, answered without internals. When no answer can
     * follow (the client went away, Reactor Netty answered a body it could not decode on its own, or ours
     * began), the exception goes back as it came, and {@link ClientErrors} says so in one line: an answer
     * written here would meet a committed response, and its {@code UnsupportedOperationException} would
     * hide the cause and reach the log as an ERROR.
     */
    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<ProblemDetail> unexpected(RuntimeException e, ServerWebExchange exchange) {
        if (exchange.getResponse().isCommitted() || DisconnectedClientHelper.isClientDisconnectedException(e)
                || ClientErrors.answeredByServer(exchange)) {
            throw e;
        }
        // a client's mistake that surfaced here rather than in a reader (a body that stopped arriving: 408)
        ErrorResponse refusal = ClientErrors.refusal(e);
        if (refusal != null) {
            ClientErrors.logRefusal(exchange, refusal.getStatusCode().value(), refusal.getBody().getDetail());
            return problem(refusal.getBody());
        }
        log.error("admin API failed", e);
        return problem(ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "the request failed inside the dispatcher; its log has the details"));
    }
}
