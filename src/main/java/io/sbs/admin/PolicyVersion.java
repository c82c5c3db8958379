package io.sbs.admin;

import io.sbs.state.PolicyRecord;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
     * The policy in a {@code PUT} body: the body itself when it is a bare policy, or its {@code policy} member
     * when it is the document {@code GET} answers, so a read-modify-write round trip sends back what it read.
     * The document's read-only members may be left out; those sent must be the stored ones: an older
     * {@code version} is 412, as a stale {@code If-Match} is, another {@code epoch}, {@code actor} or
     * {@code changedAt} 409 (the document is not of the current version). Unknown members are named in the
     * 422 with the policy's own faults.
     */
    static JsonFields policyIn(JsonFields body, PolicyRecord current) {
        if (!body.has("policy")) {
            return body;
        }
        Long version = body.longInteger("version");
        Long epoch = body.longInteger("epoch");
        String actor = body.text("actor");
        String changedAt = body.text("changedAt");
        JsonFields policy = body.object("policy");
        Instant at = null;
        if (changedAt != null) {
            try {
                at = Instant.parse(changedAt);
            } catch (DateTimeParseException e) {
                body.error("changedAt", "must be an ISO-8601 instant such as \"2026-11-23T14:02:11.123Z\"");
            }
        }
        body.addUnknown();
        if (policy == null) {
            body.error("policy", "must be a JSON object: the settings");
            throw body.refusal();
        }
        if (version != null && version != current.version()) {
            throw Problems.of(HttpStatus.PRECONDITION_FAILED, "the document is version " + version + ", the current "
                    + "version is \"" + current.version() + "\": someone changed the policy; read it again");
        }
        List<String> differ = new ArrayList<>();
        if (epoch != null && epoch != current.epoch()) {
            differ.add("epoch");
        }
        if (actor != null && !actor.equals(current.actor())) {
            differ.add("actor");
        }
        if (at != null && at.toEpochMilli() != current.changedAtMs()) {
            differ.add("changedAt");
        }
        if (!differ.isEmpty()) {
            throw Problems.of(HttpStatus.CONFLICT, "read-only members differ from the stored version "
                    + current.version() + ": " + String.join(", ", differ) + "; send them as read, or the bare policy");
        }
        return policy;
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
