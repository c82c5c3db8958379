package io.sbs.admin;

import io.sbs.state.PolicyRecord;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/**
 * One version of the active policy as the API shows it; its {@code ETag} is the version.
 *
 * @param epoch  the leader epoch the change was made at
 * @param actor  who made it: the user or token name, or {@code startup}
 * @param policy the settings, as {@code PUT /api/v1/policies} takes them
 */
record PolicyVersion(long version, long epoch, String actor, Instant changedAt,
        @Schema(ref = "#/components/schemas/Policy") Map<String, Object> policy) {

    static PolicyVersion of(PolicyRecord r) {
        return new PolicyVersion(r.version(), r.epoch(), r.actor(), Instant.ofEpochMilli(r.changedAtMs()),
                PolicyFields.write(r.policy()));
    }

    static ResponseEntity<PolicyVersion> response(PolicyRecord r) {
        return ResponseEntity.ok().eTag(etag(r.version())).body(of(r));
    }

    static String etag(long version) {
        return "\"" + version + "\"";
    }

    /**
     * The version an {@code If-Match} header names, which must be {@code current}: 428 without the header,
     * 412 when it names another version. {@code *} matches whatever is current.
     */
    static long expected(@Nullable String ifMatch, long current) {
        if (ifMatch == null || ifMatch.isBlank()) {
            throw Problems.of(HttpStatus.PRECONDITION_REQUIRED, "send If-Match with the policy's ETag (\"" + current
                    + "\" now), so a change made in between is not overwritten");
        }
        boolean matches = Arrays.stream(ifMatch.split(",")).map(String::trim)
                .anyMatch(tag -> tag.equals("*") || tag.equals(etag(current)) || tag.equals("W/" + etag(current)));
        if (!matches) {
            throw Problems.of(HttpStatus.PRECONDITION_FAILED, "If-Match " + ifMatch.trim() + " does not name the current "
                    + "version \"" + current + "\": someone changed the policy; read it again");
        }
        return current;
    }
}
