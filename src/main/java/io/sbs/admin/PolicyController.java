package io.sbs.admin;

import io.sbs.control.PolicyPreview;
import io.sbs.control.PolicyService;
import io.sbs.control.PreviewRequest;
import io.sbs.control.PreviewResult;
import io.sbs.core.SchedulingPolicy;
import io.sbs.state.Leadership;
import io.sbs.state.PolicyRecord;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.security.Principal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code /api/v1/policies}: the active policy, its replacement ({@code PUT}) and merge patch
 * ({@code PATCH}) under optimistic concurrency, the audit trail, and the preview of a change. A change reaches the dispatch loop
 * before its next tick: the answer is sent once the loop applied it.
 */
@RestController
@RequestMapping(path = "/api/v1/policies", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "policies", description = "the active scheduling policy: read, replace, patch, audit")
class PolicyController {

    static final String MERGE_PATCH_JSON = "application/merge-patch+json";
    private static final int MAX_AUDIT = 1_000;

    private final PolicyService policies;
    private final Leadership leadership;
    private final PolicyPreview preview;

    PolicyController(PolicyService policies, Leadership leadership, PolicyPreview preview) {
        this.policies = policies;
        this.leadership = leadership;
        this.preview = preview;
    }

    @GetMapping
    @Operation(summary = "The active policy, with its version as ETag")
    Mono<ResponseEntity<PolicyVersion>> current() {
        return policies.current().map(PolicyVersion::response);
    }

    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Replace the policy", description = "The body is a whole policy: name is required, "
            + "every other setting takes its default when absent or null. Or the document GET answers, with the "
            + "policy in its policy member: its read-only members (version, epoch, actor, changedAt) may be left "
            + "out, and those sent must be the stored ones (412 for another version, 409 for the others). Needs "
            + "If-Match with the current ETag.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(ref = "#/components/schemas/Policy"))))
    @ApiResponse(responseCode = "200", description = "applied; the new version as ETag")
    @ApiResponse(responseCode = "409", description = "this node is a standby; the problem names the leader (leaderId, "
            + "epoch). Or the document's epoch, actor or changedAt are not the stored version's",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    @ApiResponse(responseCode = "412", description = "If-Match, or the document's version, names an older version",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    @ApiResponse(responseCode = "428", description = "If-Match is missing",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    Mono<ResponseEntity<PolicyVersion>> replace(@RequestHeader(name = HttpHeaders.IF_MATCH, required = false)
            @Nullable String ifMatch, @RequestBody(required = false) @Nullable String body, Principal principal) {
        return change(ifMatch, principal,
                current -> PolicyFields.replacement(PolicyVersion.policyIn(JsonFields.parse(body), current)));
    }

    @PatchMapping(consumes = {MERGE_PATCH_JSON, MediaType.APPLICATION_JSON_VALUE})
    @Operation(summary = "Change some settings (JSON merge patch, RFC 7396)", description = "A field present sets "
            + "the setting, null sets it back to its default, an absent one is kept. Needs If-Match.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = MERGE_PATCH_JSON,
                            schema = @Schema(ref = "#/components/schemas/Policy"))))
    @ApiResponse(responseCode = "200", description = "applied; the new version as ETag")
    @ApiResponse(responseCode = "428", description = "If-Match is missing",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    Mono<ResponseEntity<PolicyVersion>> patch(@RequestHeader(name = HttpHeaders.IF_MATCH, required = false)
            @Nullable String ifMatch, @RequestBody(required = false) @Nullable String body, Principal principal) {
        return change(ifMatch, principal, current -> PolicyFields.patched(JsonFields.parse(body), current.policy()));
    }

    /** The standby refuses first; then If-Match; then the body; then the store's compare-and-set. */
    private Mono<ResponseEntity<PolicyVersion>> change(@Nullable String ifMatch, Principal principal,
            Function<PolicyRecord, SchedulingPolicy> next) {
        return Problems.unlessLeader(leadership).then(policies.current()).flatMap(current -> {
            long expected = PolicyVersion.expected(ifMatch, current.version());
            return policies.replace(next.apply(current), expected, principal.getName());
        }).map(PolicyVersion::response);
    }

    @PostMapping(path = "/preview", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "What-if: replay recent traffic (or a named trace) under a proposed policy and the current one",
            description = "policy is a JSON merge patch onto the current policy. Nothing is applied. Runs the "
                    + "simulator on this node, one preview at a time (429 with Retry-After while another runs).",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = PreviewAsk.class))))
    @ApiResponse(responseCode = "200", description = "both projections, side by side")
    @ApiResponse(responseCode = "422", description = "invalid fields, nothing recorded to replay, an unknown trace, or "
            + "over the preview's limits (its wall-clock budget included)",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    @ApiResponse(responseCode = "429", description = "another preview is running on this node",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    Mono<PreviewResult> preview(@RequestBody(required = false) @Nullable String body) {
        return policies.current().map(current -> previewRequest(JsonFields.parse(body), current.policy()))
                .flatMap(preview::preview);
    }

    /**
     * What to preview.
     *
     * @param policy    a JSON merge patch onto the current policy: the proposal
     * @param trace     a named trace to replay instead of the recorded traffic
     * @param timeScale replay this many times faster (default 1; 0.01 to 1000)
     * @param seed      the simulated engines' seed (default 1)
     */
    record PreviewAsk(@Schema(ref = "#/components/schemas/Policy", requiredMode = Schema.RequiredMode.REQUIRED)
            Map<String, Object> policy, @Nullable String trace, @Nullable Double timeScale, @Nullable Long seed) {
    }

    private static PreviewRequest previewRequest(JsonFields json, SchedulingPolicy current) {
        String trace = json.text("trace");
        Double timeScale = json.number("timeScale");
        Long seed = json.longInteger("seed");
        if (timeScale != null && !(timeScale >= PreviewRequest.MIN_TIME_SCALE && timeScale <= PreviewRequest.MAX_TIME_SCALE)) {
            json.error("timeScale", "must be between " + PreviewRequest.MIN_TIME_SCALE + " and "
                    + PreviewRequest.MAX_TIME_SCALE);
        }
        JsonFields proposal = json.object("policy");
        if (proposal == null && !json.errors().containsKey("policy")) {
            json.error("policy", "is required: a merge patch onto the current policy, such as {\"name\":\"round-robin\"}");
        }
        json.addUnknown();
        SchedulingPolicy proposed = proposal == null ? current : PolicyFields.patched(proposal, current);
        json.finish();
        return new PreviewRequest(proposed, trace, timeScale == null ? 1 : timeScale, seed == null ? 1 : seed);
    }

    /**
     * One change in the audit trail.
     *
     * @param policy  the strategy's name after the change
     * @param changes the settings that differ from the version before; for the oldest version kept, every
     *                setting, with {@code before} null
     */
    record AuditEntry(long version, long epoch, String actor, Instant changedAt, String policy,
            List<PolicyFields.Change> changes) {
    }

    @GetMapping("/audit")
    @Operation(summary = "The audit trail, newest first: who changed what, when, at which leader epoch")
    Mono<List<AuditEntry>> audit(@RequestParam(defaultValue = "50") int limit) {
        if (limit < 1 || limit > MAX_AUDIT) {
            return Mono.error(Problems.of(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_AUDIT));
        }
        // one more than asked, so the oldest entry shown has its predecessor to compare with
        return policies.history(limit + 1).collectList().map(records -> {
            List<AuditEntry> out = new ArrayList<>();
            for (int i = 0; i < Math.min(limit, records.size()); i++) {
                PolicyRecord r = records.get(i);
                PolicyRecord before = i + 1 < records.size() ? records.get(i + 1) : null;
                out.add(new AuditEntry(r.version(), r.epoch(), r.actor(), Instant.ofEpochMilli(r.changedAtMs()),
                        r.policy().name(), PolicyFields.changes(before == null ? null : before.policy(), r.policy())));
            }
            return out;
        });
    }
}
