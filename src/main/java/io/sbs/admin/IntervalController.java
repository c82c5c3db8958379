package io.sbs.admin;

import io.sbs.control.ClusterView;
import io.sbs.control.PolicyService;
import io.sbs.core.InvalidPolicyException;
import io.sbs.core.SchedulingPolicy;
import io.sbs.loop.LoopSnapshot;
import io.sbs.state.Leadership;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code /api/v1/interval}: the scheduling interval {@code Δ = (T̄_fwd + τ_net) / N} per phase now and over
 * the last minutes, and the operator's override. The override is a policy change (its
 * {@code pinnedInterval}), so it is versioned and audited like any other.
 */
@RestController
@RequestMapping(path = "/api/v1/interval", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "interval", description = "Δ, T̄_fwd, τ_net and N, their history, and the override")
class IntervalController {

    /** What the leader keeps: ten minutes at one sample a second. */
    private static final int MAX_SECONDS = 600;

    private final ClusterView view;
    private final PolicyService policies;
    private final Leadership leadership;

    IntervalController(ClusterView view, PolicyService policies, Leadership leadership) {
        this.view = view;
        this.policies = policies;
        this.leadership = leadership;
    }

    /**
     * One phase's figures, in milliseconds.
     *
     * @param intervalMs        {@code Δ}
     * @param meanForwardMs     {@code T̄_fwd}
     * @param dispatchLatencyMs {@code τ_net}
     * @param healthyInstances  {@code N}
     * @param instances         registered instances of the phase
     */
    record PhaseFigures(double intervalMs, double meanForwardMs, double dispatchLatencyMs, int healthyInstances,
            int instances) {

        static @Nullable PhaseFigures of(LoopSnapshot.@Nullable PhaseView v) {
            return v == null ? null : new PhaseFigures(v.intervalNanos() / 1e6, v.meanForwardNanos() / 1e6,
                    v.dispatchLatencyNanos() / 1e6, v.healthyInstances(), v.instances());
        }
    }

    /**
     * One sample of the history, as the leader published it.
     *
     * @param leaderId the node that led then; a change marks a takeover
     * @param buffered requests accepted and not yet assigned
     * @param decode   null without decode instances
     */
    record Sample(Instant at, String leaderId, long epoch, int buffered, PhaseFigures prefill,
            @Nullable PhaseFigures decode) {
    }

    /**
     * @param pinnedInterval the override, ISO-8601; {@code PT0S} while {@code Δ} adapts
     * @param history        one sample a second while a leader publishes, oldest first
     */
    record IntervalView(PhaseFigures prefill, @Nullable PhaseFigures decode, String pinnedInterval, boolean adaptive,
            List<Sample> history) {
    }

    @GetMapping
    @Operation(summary = "Δ, T̄_fwd, τ_net and N per phase now, and the last `seconds` samples (one a second)",
            description = "From the leader's view: on a standby, as the leader last published it.")
    Mono<IntervalView> interval(@RequestParam(defaultValue = "600") int seconds) {
        if (seconds < 0 || seconds > MAX_SECONDS) {
            return Mono.error(Problems.of(HttpStatus.BAD_REQUEST, "seconds must be between 0 and " + MAX_SECONDS));
        }
        Mono<List<Sample>> history = (seconds == 0 ? Flux.<ClusterView.IntervalSample>empty()
                : view.intervalHistory(seconds))
                .map(h -> new Sample(Instant.ofEpochMilli(h.takenAtMs()), h.leaderId(), h.epoch(), h.buffered(),
                        PhaseFigures.of(h.prefill()), PhaseFigures.of(h.decode())))
                .collectList()
                .map(newestFirst -> {
                    List<Sample> oldestFirst = new ArrayList<>(newestFirst);
                    Collections.reverse(oldestFirst);
                    return oldestFirst;
                });
        return view.current().zipWith(history, (s, past) -> {
            Duration pinned = s.activePolicy().pinnedInterval();
            return new IntervalView(PhaseFigures.of(s.prefill()), PhaseFigures.of(s.decode()), pinned.toString(),
                    pinned.isZero(), past);
        });
    }

    /** @param interval the {@code Δ} to pin, ISO-8601 ({@code "PT0.02S"}); null releases the pin */
    record Pin(@Schema(type = "string", example = "PT0.02S", nullable = true) @Nullable Duration interval) {
    }

    @PutMapping(path = "/override", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Pin Δ (both phases) until released", description = "A policy change of pinnedInterval: "
            + "versioned and audited. If-Match is optional here; with it, the policy's ETag must be current.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = Pin.class))))
    @ApiResponse(responseCode = "200", description = "applied; the policy's new version as ETag")
    @ApiResponse(responseCode = "422", description = "not a duration, negative, or an unknown field",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    Mono<ResponseEntity<PolicyVersion>> pin(@RequestHeader(name = HttpHeaders.IF_MATCH, required = false)
            @Nullable String ifMatch, @RequestBody(required = false) @Nullable String body, Principal principal) {
        return Problems.unlessLeader(leadership).then(Mono.fromCallable(() -> {
            JsonFields json = JsonFields.parse(body);
            if (!json.has("interval")) {
                json.error("interval", "is required: an ISO-8601 duration, or null to release the pin");
            }
            Duration interval = json.duration("interval");
            json.finish();
            return interval == null ? Duration.ZERO : interval;
        })).flatMap(interval -> pinned(interval, ifMatch, principal));
    }

    @DeleteMapping("/override")
    @Operation(summary = "Release the pin: Δ adapts again (a policy change, versioned and audited)")
    @ApiResponse(responseCode = "200", description = "applied; the policy's new version as ETag")
    Mono<ResponseEntity<PolicyVersion>> release(@RequestHeader(name = HttpHeaders.IF_MATCH, required = false)
            @Nullable String ifMatch, Principal principal) {
        return Problems.unlessLeader(leadership).then(pinned(Duration.ZERO, ifMatch, principal));
    }

    private Mono<ResponseEntity<PolicyVersion>> pinned(Duration interval, @Nullable String ifMatch, Principal principal) {
        return policies.current().flatMap(current -> {
            long expected = ifMatch == null ? current.version() : PolicyVersion.expected(ifMatch, current.version());
            SchedulingPolicy next;
            try {
                next = current.policy().toBuilder().pinnedInterval(interval).build();
            } catch (InvalidPolicyException e) {
                return Mono.error(Problems.invalid(Map.of("interval", e.fieldErrors().getOrDefault("pinnedInterval",
                        e.getMessage()))));
            }
            return policies.replace(next, expected, principal.getName());
        }).map(PolicyVersion::response);
    }
}
