package io.sbs.admin;

import io.sbs.cluster.EngineCluster;
import io.sbs.config.SbsProperties;
import io.sbs.control.ClusterView;
import io.sbs.control.ReadinessWindow;
import io.sbs.core.Phase;
import io.sbs.core.ReadinessSource;
import io.sbs.loop.DispatchLoop;
import io.sbs.loop.LoopSnapshot;
import io.sbs.state.Leadership;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@code /api/v1/cluster}, {@code /api/v1/leader} and {@code /api/v1/instances}: what the dispatcher
 * sees of its engines and DP units, who leads, and instances joining, leaving and draining. Unit state is
 * the leader's view ({@link ClusterView}): a standby shows what the leader last published; health is this
 * node's own check of each engine. Readiness by source over the last minute comes from the
 * {@link ReadinessWindow}, which samples the same view once a second.
 */
@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "cluster", description = "instances, DP units, leadership")
class ClusterController {

    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RECENT_READINESS = Duration.ofMinutes(1);
    private static final int MAX_AUDIT = 1_000;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private final DispatchLoop loop;
    private final ClusterView view;
    private final EngineCluster engines;
    private final Leadership leadership;
    private final InstanceService instances;
    private final ReadinessWindow readiness;

    ClusterController(DispatchLoop loop, ClusterView view, EngineCluster engines, Leadership leadership,
            InstanceService instances, ReadinessWindow readiness) {
        this.loop = loop;
        this.view = view;
        this.engines = engines;
        this.leadership = leadership;
        this.instances = instances;
        this.readiness = readiness;
    }

    /**
     * One DP unit's state vector.
     *
     * @param availableTokens   {@code C_avail} (prefill)
     * @param outstandingTokens prompt tokens sent and not yet answered
     * @param batchSize         running batch, reported plus in flight (decode)
     * @param kvTokens          KV load, reported plus in flight (decode)
     */
    record UnitView(int dpRank, long availableTokens, long outstandingTokens, int batchSize, long kvTokens) {
    }

    /**
     * @param health          {@code UP} when the engine answers its health check within 2 s, else {@code DOWN}
     * @param suspect         the watchdog fired repeatedly: out of {@code N} until it signals again
     * @param draining        takes no new requests, finishes what it has
     * @param readiness       prefill: pass boundaries (readiness decisions) since the leader's loop started, by
     *                        the signal that established them: {@code push}, {@code completion}, {@code poll},
     *                        {@code watchdog}, {@code prediction}; empty for decode instances
     * @param recentReadiness prefill: the same over the last minute; null for decode instances, and until the
     *                        instance has been sampled
     */
    record InstanceView(String id, Phase phase, int dpUnits, String health, boolean suspect, boolean draining,
            Map<String, Long> readiness, @Nullable RecentReadiness recentReadiness, List<UnitView> units) {
    }

    /**
     * @param windowMs  how long the counts cover: a minute, or since the instance was first sampled
     * @param decisions readiness decisions by source over the window
     * @param sources   the sources that established any boundary in the window, most decisions first: what
     *                  drives the instance's readiness now
     */
    record RecentReadiness(long windowMs, Map<String, Long> decisions, List<String> sources) {
    }

    /**
     * @param buffered   requests accepted and not yet assigned
     * @param overloaded flow control is on: new requests get 429
     */
    record ClusterOverview(String policy, int buffered, boolean overloaded, List<InstanceView> instances) {
    }

    @GetMapping("/cluster")
    @Operation(summary = "Every instance with its health, the signals its readiness came from, and the state vector "
            + "of each DP unit")
    Mono<ClusterOverview> cluster() {
        return view.current().flatMap(s -> views(engines.members(), s)
                .map(v -> new ClusterOverview(s.policy(), s.buffered(), s.overloaded(), v)));
    }

    @GetMapping("/instances/{id}")
    @Operation(summary = "One instance with its health, the signals its readiness came from, and the state vector "
            + "of each DP unit")
    @ApiResponse(responseCode = "200", description = "the instance")
    @ApiResponse(responseCode = "404", description = "no such instance",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    Mono<InstanceView> instance(@PathVariable String id) {
        return Mono.defer(() -> engines.contains(id) ? view.current()
                .flatMap(s -> views(List.of(engines.member(id)), s)).map(v -> v.get(0))
                : Mono.error(Problems.noSuchInstance(id)));
    }

    private Mono<List<InstanceView>> views(List<EngineCluster.Member> members, LoopSnapshot s) {
        Map<String, List<LoopSnapshot.UnitView>> units = new LinkedHashMap<>();
        for (LoopSnapshot.UnitView u : s.units()) {
            units.computeIfAbsent(u.instanceId(), k -> new ArrayList<>()).add(u);
        }
        Map<String, LoopSnapshot.InstanceView> loopInstances = new LinkedHashMap<>();
        for (LoopSnapshot.InstanceView i : s.instances()) {
            loopInstances.put(i.instanceId(), i);
        }
        Map<String, ReadinessWindow.Recent> recent = readiness.recent(RECENT_READINESS);
        Set<String> draining = loop.drainingInstances();
        return Flux.fromIterable(members)
                .flatMapSequential(m -> m.client().health().timeout(HEALTH_TIMEOUT).thenReturn("UP")
                        .onErrorReturn("DOWN")
                        .map(health -> {
                            List<LoopSnapshot.UnitView> own = units.getOrDefault(m.id(), List.of());
                            return new InstanceView(m.id(), m.phase(), m.dpUnits(), health,
                                    own.stream().anyMatch(LoopSnapshot.UnitView::suspect), draining.contains(m.id()),
                                    readinessOf(m, loopInstances.get(m.id())), recentOf(recent.get(m.id())),
                                    own.stream().map(u -> new UnitView(u.dpRank(), u.availableTokens(),
                                            u.outstandingTokens(), u.batchSize(), u.kvTokens())).toList());
                        }))
                .collectList();
    }

    // in the sources' order rather than the snapshot map's, so that every answer lists them alike
    private static Map<String, Long> readinessOf(EngineCluster.Member m, LoopSnapshot.@Nullable InstanceView v) {
        Map<String, Long> counts = new LinkedHashMap<>();
        if (m.phase() == Phase.PREFILL) {
            for (ReadinessSource source : ReadinessSource.values()) {
                counts.put(source.tag(), v == null ? 0 : v.readiness(source));
            }
        }
        return counts;
    }

    private static @Nullable RecentReadiness recentOf(ReadinessWindow.@Nullable Recent r) {
        return r == null ? null : new RecentReadiness(r.windowMs(), r.decisions(), r.sources());
    }

    @GetMapping("/leader")
    @Operation(summary = "This node, whether it leads, the leader epoch and the leader's id (null when unknown)")
    Leadership.Status leader() {
        return leadership.status();
    }

    /**
     * An engine instance to register; the same settings as {@code sbs.instances[i].*}.
     *
     * @param kind             {@code sglang} or {@code vllm}
     * @param role             {@code prefill} (default) or {@code decode}
     * @param chunkTokens      {@code C_max} per rank (prefill)
     * @param kvCapacityTokens KV tokens per rank (decode; 0 or absent for unbounded)
     * @param bootstrapPort    SGLang P/D bootstrap port (default 8998)
     */
    record InstanceSpec(String id, String url, String kind, @Nullable String role, int dpUnits,
            @Nullable Integer chunkTokens, @Nullable Long kvCapacityTokens, @Nullable Integer bootstrapPort) {
    }

    @PostMapping(path = "/instances", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Register an engine instance; it takes requests from the next dispatch cycle",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = InstanceSpec.class))))
    @ApiResponse(responseCode = "201", description = "registered")
    @ApiResponse(responseCode = "409", description = "the id is taken, or this node is a standby",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    Mono<ResponseEntity<InstanceView>> register(@RequestBody(required = false) @Nullable String body,
            Principal principal) {
        return Problems.unlessLeader(leadership)
                // the URL's host is resolved to check its network: off the event loop
                .then(Mono.fromCallable(() -> instanceOf(JsonFields.parse(body), engines))
                        .subscribeOn(Schedulers.boundedElastic()))
                .flatMap(spec -> instances.register(spec, principal.getName()))
                .flatMap(m -> view.current().flatMap(s -> views(List.of(m), s)))
                .map(v -> ResponseEntity.created(URI.create("/api/v1/instances/" + v.get(0).id())).body(v.get(0)));
    }

    private static SbsProperties.Instance instanceOf(JsonFields json, EngineCluster engines) {
        String id = json.text("id");
        String url = json.text("url");
        String kind = json.text("kind");
        String role = json.text("role");
        Integer dpUnits = json.integer("dpUnits");
        Integer chunkTokens = json.integer("chunkTokens");
        Long kvCapacity = json.longInteger("kvCapacityTokens");
        Integer bootstrapPort = json.integer("bootstrapPort");
        if (id == null || !ID.matcher(id).matches()) {
            json.error("id", "is required: 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        String urlProblem = url == null ? "is required: an absolute http or https URL" : engines.urlProblem(url);
        if (urlProblem != null) {
            json.error("url", urlProblem);
        }
        if (kind == null || !(kind.equals("sglang") || kind.equals("vllm"))) {
            json.error("kind", "is required: sglang or vllm");
        }
        if (role != null && !(role.equals("prefill") || role.equals("decode"))) {
            json.error("role", "must be prefill or decode");
        }
        boolean prefill = role == null || role.equals("prefill");
        if (dpUnits == null || dpUnits < 1 || dpUnits > 4_096) {
            json.error("dpUnits", "is required: between 1 and 4096");
        }
        if (prefill && (chunkTokens == null || chunkTokens < 1)) {
            json.error("chunkTokens", "is required for a prefill instance: a positive number of tokens");
        }
        if (kvCapacity != null && kvCapacity < 0) {
            json.error("kvCapacityTokens", "must not be negative (0 for unbounded)");
        }
        if (bootstrapPort != null && (bootstrapPort < 1 || bootstrapPort > 65_535)) {
            json.error("bootstrapPort", "must be a port between 1 and 65535");
        }
        json.finish();
        return new SbsProperties.Instance(id, url, kind, role, dpUnits, chunkTokens == null ? 0 : chunkTokens,
                kvCapacity == null ? 0 : kvCapacity, bootstrapPort == null ? 0 : bootstrapPort);
    }

    @DeleteMapping("/instances/{id}")
    @Operation(summary = "Remove an instance: no new requests go to it; those already sent run to their end")
    @ApiResponse(responseCode = "204", description = "removed")
    @ApiResponse(responseCode = "404", description = "no such instance",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    @ApiResponse(responseCode = "409", description = "the last instance of its phase, or this node is a standby",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    Mono<ResponseEntity<Void>> remove(@PathVariable String id, Principal principal) {
        return instances.remove(id, principal.getName()).then(Mono.just(ResponseEntity.noContent().build()));
    }

    @PostMapping("/instances/{id}/drain")
    @Operation(summary = "Drain an instance: no new requests, those it has run to their end; it leaves N")
    @ApiResponse(responseCode = "200", description = "draining; the instance")
    @ApiResponse(responseCode = "404", description = "no such instance",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    @ApiResponse(responseCode = "409", description = "the last instance of its phase taking requests, or this node "
            + "is a standby", content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    Mono<InstanceView> drain(@PathVariable String id, Principal principal) {
        return instances.drain(id, true, principal.getName()).then(instance(id));
    }

    @DeleteMapping("/instances/{id}/drain")
    @Operation(summary = "Stop draining: the instance takes requests again")
    @ApiResponse(responseCode = "200", description = "taking requests; the instance")
    @ApiResponse(responseCode = "404", description = "no such instance",
            content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
    Mono<InstanceView> resume(@PathVariable String id, Principal principal) {
        return instances.drain(id, false, principal.getName()).then(instance(id));
    }

    /**
     * One change of the audit trail of instances.
     *
     * @param action   {@code register}, {@code drain}, {@code resume} or {@code remove}
     * @param instance the instance changed
     */
    record InstanceChange(long version, long epoch, String actor, Instant changedAt, String action,
            String instance) {
    }

    @GetMapping("/instances/audit")
    @Operation(summary = "The audit trail of instance changes, newest first: who registered, drained, resumed or "
            + "removed which instance, when, at which leader epoch")
    Mono<List<InstanceChange>> audit(@RequestParam(defaultValue = "50") int limit) {
        if (limit < 1 || limit > MAX_AUDIT) {
            return Mono.error(Problems.of(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_AUDIT));
        }
        return instances.history(limit).map(s -> new InstanceChange(s.version(), s.epoch(), s.actor(),
                Instant.ofEpochMilli(s.changedAtMs()), s.action().name().toLowerCase(Locale.ROOT), s.instanceId()))
                .collectList();
    }
}
