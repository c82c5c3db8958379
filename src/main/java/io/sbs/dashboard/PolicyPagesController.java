package io.sbs.dashboard;

import io.sbs.control.InvalidPreviewException;
import io.sbs.control.NotLeaderException;
import io.sbs.control.PolicyPreview;
import io.sbs.control.PolicyService;
import io.sbs.control.PreviewBusyException;
import io.sbs.control.PreviewRequest;
import io.sbs.core.SchedulingPolicy;
import io.sbs.state.Leadership;
import io.sbs.state.PolicyRecord;
import io.sbs.state.VersionConflictException;
import java.security.Principal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.reactive.result.view.Rendering;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The pages that change the policy: the policy editor with its preview and audit trail, and interval
 * tuning, whose pin and release of {@code Δ} are policy replacements too. Every change goes through
 * {@link PolicyService#replace} with the version the page was rendered from and the logged-in user as the
 * actor, so the audit trail names who did it, a change made by someone else in between is refused rather
 * than overwritten, and a standby refuses with the leader's name. A refused form comes back as it was
 * sent, with the reason; a saved one redirects (post/redirect/get), so reloading does not save it twice.
 * Spring Security lets only an {@code OPERATOR} post here, with the session's CSRF token.
 */
@Controller
class PolicyPagesController {

    static final int AUDIT_ROWS = 50;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** A line above the form: {@code kind} is {@code success} or {@code error}. */
    record Message(String kind, String text) {

        static Message success(String text) {
            return new Message("success", text);
        }

        static Message error(String text) {
            return new Message("error", text);
        }
    }

    /** One row of the audit trail, with what changed from the version before it (null for the oldest shown). */
    record AuditRow(long version, String changedAt, String actor, long epoch, String strategy,
            @Nullable List<PolicyFields.Change> changes) {
    }

    /**
     * The preview part of the policies page: shown when this node has a {@link PolicyPreview}, with the
     * options as sent and the last result, if any.
     */
    record PreviewState(boolean available, List<String> traces, String trace, String timeScale,
            @Nullable PreviewTable result) {

        static PreviewState idle(@Nullable PolicyPreview preview) {
            return new PreviewState(preview != null, preview == null ? List.of() : preview.traces(), "", "1", null);
        }
    }

    private final PolicyService policies;
    private final ObjectProvider<PolicyPreview> previews;

    PolicyPagesController(PolicyService policies, ObjectProvider<PolicyPreview> previews) {
        this.policies = policies;
        this.previews = previews;
    }

    @GetMapping("/dashboard/policies")
    Mono<Rendering> policies(@RequestParam(required = false) @Nullable Long saved) {
        return policies.current().flatMap(record -> policyPage(record, PolicyFields.values(record.policy()), Map.of(),
                record.version(), saved == null ? null : Message.success("Saved as version " + saved + "."),
                HttpStatus.OK, PreviewState.idle(previews.getIfAvailable())));
    }

    @PostMapping("/dashboard/policies")
    Mono<Rendering> replacePolicy(ServerWebExchange exchange, Principal principal) {
        return Mono.zip(exchange.getFormData(), policies.current()).flatMap(t -> {
            Map<String, String> form = t.getT1().toSingleValueMap();
            PolicyRecord current = t.getT2();
            long expected = expectedVersion(t.getT1());
            PolicyFields.Parsed parsed = PolicyFields.parse(form, current.policy());
            if (parsed.policy() == null) {
                return policyPage(current, parsed.values(), parsed.errors(), expected,
                        Message.error("Not saved: correct the fields marked below."), HttpStatus.BAD_REQUEST,
                        previewOptions(t.getT1(), null));
            }
            PreviewState preview = previewOptions(t.getT1(), null);
            return policies.replace(parsed.policy(), expected, principal.getName())
                    .map(r -> Rendering.redirectTo("/dashboard/policies?saved=" + r.version()).build())
                    .onErrorResume(VersionConflictException.class, e -> policies.current().flatMap(now -> policyPage(now,
                            parsed.values(), Map.of(), now.version(), Message.error(conflict(now)), HttpStatus.CONFLICT,
                            preview)))
                    .onErrorResume(NotLeaderException.class, e -> policyPage(current, parsed.values(), Map.of(), expected,
                            Message.error(notLeader(e.status())), HttpStatus.CONFLICT, preview));
        });
    }

    /**
     * Projects the policy in the form against the current one ({@link PolicyPreview}) and shows the result
     * under the form, which comes back as it was typed: nothing is saved.
     */
    @PostMapping("/dashboard/policies/preview")
    Mono<Rendering> previewPolicy(ServerWebExchange exchange) {
        PolicyPreview preview = previews.getIfAvailable();
        return Mono.zip(exchange.getFormData(), policies.current()).flatMap(t -> {
            PolicyRecord current = t.getT2();
            long expected = expectedVersion(t.getT1());
            PolicyFields.Parsed parsed = PolicyFields.parse(t.getT1().toSingleValueMap(), current.policy());
            PreviewState options = previewOptions(t.getT1(), null);
            if (preview == null) {
                return policyPage(current, parsed.values(), parsed.errors(), expected,
                        Message.error("This node has no policy preview."), HttpStatus.NOT_FOUND, options);
            }
            if (parsed.policy() == null) {
                return policyPage(current, parsed.values(), parsed.errors(), expected,
                        Message.error("No preview: correct the fields marked below."), HttpStatus.BAD_REQUEST, options);
            }
            SchedulingPolicy proposed = parsed.policy();
            // the request checks the time scale (and refuses what does not parse) like the admin API's
            return Mono.fromCallable(() -> new PreviewRequest(proposed, options.trace().isEmpty() ? null : options.trace(),
                            parseOrNaN(options.timeScale()), 1))
                    .flatMap(preview::preview)
                    .flatMap(result -> policyPage(current, parsed.values(), Map.of(), expected,
                            Message.success("Preview only: nothing was saved."), HttpStatus.OK,
                            previewOptions(t.getT1(), PreviewTable.of(result))))
                    .onErrorResume(InvalidPreviewException.class, e -> policyPage(current, parsed.values(), Map.of(),
                            expected, Message.error("No preview: " + e.getMessage()), HttpStatus.UNPROCESSABLE_ENTITY,
                            options))
                    .onErrorResume(PreviewBusyException.class, e -> policyPage(current, parsed.values(), Map.of(),
                            expected, Message.error("No preview: " + e.getMessage()), HttpStatus.TOO_MANY_REQUESTS,
                            options));
        });
    }

    private static double parseOrNaN(String number) {
        try {
            return Double.parseDouble(number);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private PreviewState previewOptions(MultiValueMap<String, String> form, @Nullable PreviewTable result) {
        PreviewState idle = PreviewState.idle(previews.getIfAvailable());
        String trace = form.getFirst("previewTrace");
        String timeScale = form.getFirst("previewTimeScale");
        return new PreviewState(idle.available(), idle.traces(), trace == null ? "" : trace.strip(),
                timeScale == null || timeScale.isBlank() ? "1" : timeScale.strip(), result);
    }

    @GetMapping("/dashboard/interval")
    Mono<Rendering> interval(@RequestParam(required = false) @Nullable Long saved) {
        return policies.current().map(record -> intervalPage(record, pinnedValue(record.policy()), null,
                record.version(), saved == null ? null : Message.success("Saved as version " + saved + "."),
                HttpStatus.OK));
    }

    /** Pins {@code Δ} at {@code pinnedMs} ({@code action=pin}) or makes it adaptive again ({@code action=release}). */
    @PostMapping("/dashboard/interval")
    Mono<Rendering> pinInterval(ServerWebExchange exchange, Principal principal) {
        return Mono.zip(exchange.getFormData(), policies.current()).flatMap(t -> {
            PolicyRecord current = t.getT2();
            long expected = expectedVersion(t.getT1());
            boolean release = "release".equals(t.getT1().getFirst("action"));
            String typed = release ? "0" : String.valueOf(t.getT1().getFirst("pinnedMs"));
            PolicyFields.Parsed parsed = PolicyFields.parse(Map.of("pinnedInterval", typed), current.policy());
            String error = parsed.errors().get("pinnedInterval");
            if (error == null && !release && parsed.policy() != null && parsed.policy().pinnedInterval().isZero()) {
                error = "must be positive to pin Δ; release makes Δ adaptive";
            }
            if (error != null || parsed.policy() == null) {
                String why = error != null ? error : "the policy would be invalid: " + parsed.errors();
                return Mono.just(intervalPage(current, typed, why, expected,
                        Message.error("Not saved: " + why + "."), HttpStatus.BAD_REQUEST));
            }
            SchedulingPolicy next = parsed.policy();
            return policies.replace(next, expected, principal.getName())
                    .map(r -> Rendering.redirectTo("/dashboard/interval?saved=" + r.version()).build())
                    .onErrorResume(VersionConflictException.class, e -> policies.current().map(now -> intervalPage(now,
                            typed, null, now.version(), Message.error(conflict(now)), HttpStatus.CONFLICT)))
                    .onErrorResume(NotLeaderException.class, e -> Mono.just(intervalPage(current, typed, null, expected,
                            Message.error(notLeader(e.status())), HttpStatus.CONFLICT)));
        });
    }

    private Mono<Rendering> policyPage(PolicyRecord record, Map<String, String> values, Map<String, String> errors,
            long expectedVersion, @Nullable Message message, HttpStatus status, PreviewState preview) {
        return policies.history(AUDIT_ROWS + 1).collectList().map(history -> withMessage(Rendering.view("policies")
                .modelAttribute("page", "policies")
                .modelAttribute("record", record)
                .modelAttribute("changedAt", when(record))
                .modelAttribute("fields", PolicyFields.fields(values, errors))
                .modelAttribute("strategies", PolicyFields.strategies())
                .modelAttribute("expectedVersion", expectedVersion)
                .modelAttribute("audit", audit(history))
                .modelAttribute("preview", preview), message)
                .status(status)
                .build());
    }

    private static Rendering.Builder<?> withMessage(Rendering.Builder<?> page, @Nullable Message message) {
        return message == null ? page : page.modelAttribute("message", message);
    }

    private static Rendering intervalPage(PolicyRecord record, String pinnedMs, @Nullable String error, long expectedVersion,
            @Nullable Message message, HttpStatus status) {
        Rendering.Builder<?> page = Rendering.view("interval")
                .modelAttribute("page", "interval")
                .modelAttribute("record", record)
                .modelAttribute("pinned", !record.policy().pinnedInterval().isZero())
                .modelAttribute("pinnedNow", PolicyFields.format(record.policy().pinnedInterval()))
                .modelAttribute("pinnedMs", pinnedMs)
                .modelAttribute("expectedVersion", expectedVersion);
        if (error != null) {
            page.modelAttribute("pinError", error);
        }
        return withMessage(page, message).status(status).build();
    }

    /** Newest first, each with its differences from the one before; the oldest row fetched only serves that. */
    static List<AuditRow> audit(List<PolicyRecord> history) {
        List<AuditRow> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(history.size(), AUDIT_ROWS); i++) {
            PolicyRecord r = history.get(i);
            List<PolicyFields.Change> changes = i + 1 < history.size()
                    ? PolicyFields.changes(history.get(i + 1).policy(), r.policy()) : null;
            rows.add(new AuditRow(r.version(), when(r), r.actor(), r.epoch(), r.policy().name(), changes));
        }
        return rows;
    }

    private static String pinnedValue(SchedulingPolicy policy) {
        return policy.pinnedInterval().isZero() ? "" : PolicyFields.format(policy.pinnedInterval());
    }

    private static String when(PolicyRecord r) {
        return r.changedAtMs() <= 0 ? "not stored yet" : WHEN.format(Instant.ofEpochMilli(r.changedAtMs()));
    }

    private static long expectedVersion(MultiValueMap<String, String> form) {
        try {
            return Long.parseLong(String.valueOf(form.getFirst("expectedVersion")).strip());
        } catch (NumberFormatException e) {
            // no version: let the store refuse it as stale rather than overwrite blindly
            return -1;
        }
    }

    private static String conflict(PolicyRecord now) {
        return "Not saved: the policy changed since this page was loaded; it is now version " + now.version() + " by "
                + now.actor() + ". Your values are kept below: compare them with the current policy and save again.";
    }

    static String notLeader(Leadership.Status status) {
        return status.leaderId() == null
                ? "Not saved: this node (" + status.nodeId() + ") is standby and no leader is known right now; try again shortly."
                : "Not saved: this node (" + status.nodeId() + ") is standby; change the policy on the leader, "
                        + status.leaderId() + " (epoch " + status.epoch() + ").";
    }
}
