package io.sbs.admin;

import io.sbs.control.NotLeaderException;
import io.sbs.state.Leadership;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import reactor.core.publisher.Mono;

/** The admin API's refusals, as exceptions that Spring renders as problem details. */
final class Problems {

    private Problems() {
    }

    static ErrorResponseException of(HttpStatus status, String detail) {
        return new ErrorResponseException(status, ProblemDetail.forStatusAndDetail(status, detail), null);
    }

    /** 422 naming every bad field, as {@code errors: {field: reason}}. */
    static ErrorResponseException invalid(Map<String, String> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT,
                "invalid fields: " + String.join(", ", new TreeMap<>(errors).keySet()));
        problem.setProperty("errors", new TreeMap<>(errors));
        return new ErrorResponseException(HttpStatus.UNPROCESSABLE_CONTENT, problem, null);
    }

    /** Completes empty on the leader; a standby refuses every change, naming the leader (409). */
    static Mono<Void> unlessLeader(Leadership leadership) {
        return Mono.defer(() -> leadership.isLeader() ? Mono.empty()
                : Mono.error(new NotLeaderException(leadership.status())));
    }

    static ErrorResponseException noSuchInstance(String id) {
        return of(HttpStatus.NOT_FOUND, "no instance '" + id + "' is registered");
    }
}
