package io.sbs.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.core.Phase;
import io.sbs.enginesim.EngineSimServer;
import io.sbs.formats.ProfileLoader;
import io.sbs.loop.DispatchLoop;
import io.sbs.loop.LoopSnapshot;
import io.sbs.security.Caller;
import io.sbs.security.SecuredPlatform;
import io.sbs.state.Leadership;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The admin API against the running embedded default over real HTTP: what it shows, how it refuses, and
 * that its changes reach the dispatch loop. AdminRoleMatrixIT checks who may call what.
 */
@SecuredPlatform
class AdminApiIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AtomicInteger EXTRA_PASSES = new AtomicInteger();
    /** A real engine (simulated, over HTTP) for instances the tests register. */
    private static EngineSimServer extra;

    @LocalServerPort
    int port;
    @Autowired
    DispatchLoop loop;
    @Autowired
    Leadership leadership;

    @BeforeAll
    static void startEngine() {
        extra = new EngineSimServer("extra", ProfileLoader.load("divided"), 0, 7, report -> {
            long tokens = 0;
            for (long t : report.passTokens()) {
                tokens += t;
            }
            if (tokens > 0) {
                EXTRA_PASSES.incrementAndGet();
            }
        });
    }

    @AfterAll
    static void stopEngine() {
        extra.close();
    }

    private WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20))
                .build();
    }

    private JsonNode get(String path) {
        return JSON.readTree(Caller.VIEWER.as(client().get().uri(path)).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody());
    }

    private String etag() {
        return Caller.VIEWER.as(client().get().uri("/api/v1/policies")).exchange().expectStatus().isOk()
                .expectBody().returnResult().getResponseHeaders().getETag();
    }

    private WebTestClient.ResponseSpec put(String path, String ifMatch, String body) {
        WebTestClient.RequestBodySpec put = Caller.OPERATOR.as(client().put().uri(path))
                .contentType(MediaType.APPLICATION_JSON);
        if (ifMatch != null) {
            put.header(HttpHeaders.IF_MATCH, ifMatch);
        }
        return put.bodyValue(body).exchange();
    }

    private WebTestClient.ResponseSpec patch(String ifMatch, String body) {
        return Caller.OPERATOR.as(client().patch().uri("/api/v1/policies"))
                .contentType(MediaType.valueOf("application/merge-patch+json"))
                .header(HttpHeaders.IF_MATCH, ifMatch).bodyValue(body).exchange();
    }

    private void restoreDefaultPolicy() {
        put("/api/v1/policies", etag(), "{\"name\":\"sbs\"}").expectStatus().isOk().expectBody().returnResult();
    }

    @Test
    void cluster_showsEveryInstanceWithItsHealthAndTheStateVectorOfEachUnit() {
        JsonNode c = get("/api/v1/cluster");
        assertThat(c.path("policy").asString()).isEqualTo("sbs");
        assertThat(c.path("overloaded").asBoolean()).isFalse();
        JsonNode instances = c.path("instances");
        assertThat(instances.valueStream().map(i -> i.path("id").asString()))
                .contains("prefill-0", "prefill-1", "prefill-2", "decode-0");
        JsonNode p0 = instances.get(0);
        assertThat(p0.path("phase").asString()).isEqualTo("PREFILL");
        assertThat(p0.path("health").asString()).isEqualTo("UP");
        assertThat(p0.path("draining").asBoolean()).isFalse();
        assertThat(p0.path("units")).hasSize(8);
        assertThat(p0.path("units").get(3).path("dpRank").asInt()).isEqualTo(3);
        // an idle prefill unit has its whole chunk available
        assertThat(p0.path("units").get(0).path("availableTokens").asLong()).isPositive();
        JsonNode decode = instances.valueStream().filter(i -> i.path("id").asString().equals("decode-0")).findFirst()
                .orElseThrow();
        assertThat(decode.path("phase").asString()).isEqualTo("DECODE");
        assertThat(decode.path("units")).hasSize(32);
        assertThat(decode.path("units").get(0).has("kvTokens")).isTrue();
        // readiness by source: every source for a prefill instance, in one order; a decode instance has none
        assertThat(p0.path("readiness").propertyNames()).containsExactly("push", "completion", "poll", "watchdog",
                "prediction");
        assertThat(decode.path("readiness").isEmpty()).isTrue();
        assertThat(decode.path("recentReadiness").isNull()).isTrue();
    }

    @Test
    void cluster_afterRequests_showsWhichSignalsEstablishedThePassBoundaries() {
        for (int i = 0; i < 6; i++) {
            client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(300) + "\"}],"
                            + "\"max_tokens\":1}")
                    .exchange().expectStatus().isOk().expectBody().returnResult();
        }
        // the snapshot and the window are refreshed each second
        JsonNode decided = await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/v1/cluster").path("instances")
                .valueStream().filter(i -> i.path("phase").asString().equals("PREFILL"))
                .filter(i -> !i.path("recentReadiness").path("sources").isEmpty()).findFirst().orElse(null),
                Objects::nonNull);
        JsonNode recent = decided.path("recentReadiness");
        assertThat(recent.path("windowMs").asLong()).isBetween(1L, 60_000L);
        assertThat(recent.path("decisions").propertyNames()).containsExactly("push", "completion", "poll", "watchdog",
                "prediction");
        String first = recent.path("sources").get(0).asString();
        assertThat(recent.path("decisions").path(first).asLong()).isPositive();
        // no window counts more than the loop counted since start
        assertThat(decided.path("readiness").path(first).asLong()).isGreaterThanOrEqualTo(
                recent.path("decisions").path(first).asLong());
    }

    @Test
    void leader_isThisNode_atEpoch1() {
        JsonNode l = get("/api/v1/leader");
        assertThat(l.path("leader").asBoolean()).isTrue();
        assertThat(l.path("epoch").asLong()).isEqualTo(1);
        assertThat(l.path("nodeId").asString()).isEqualTo(leadership.nodeId());
        assertThat(l.path("leaderId").asString()).isEqualTo(leadership.nodeId());
    }

    @Test
    void policies_get_showsTheSettingsWithTheVersionAsETag() {
        EntityExchangeResult<String> r = Caller.VIEWER.as(client().get().uri("/api/v1/policies")).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult();
        JsonNode p = JSON.readTree(r.getResponseBody());
        assertThat(r.getResponseHeaders().getETag()).isEqualTo("\"" + p.path("version").asLong() + "\"");
        assertThat(p.path("epoch").asLong()).isEqualTo(1);
        assertThat(p.path("changedAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(p.path("policy").path("defaultInterval").asString()).isEqualTo("PT0.05S");
        assertThat(p.path("policy").propertyNames()).hasSize(17);
    }

    @Test
    void policies_putWithoutIfMatch_is428_withAStaleOne_is412() {
        put("/api/v1/policies", null, "{\"name\":\"sbs\"}").expectStatus().isEqualTo(428)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(428);
        String stale = etag();
        put("/api/v1/policies", stale, "{\"name\":\"sbs\"}").expectStatus().isOk().expectBody().returnResult();
        put("/api/v1/policies", stale, "{\"name\":\"sbs\"}").expectStatus().isEqualTo(412)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();
        patch(stale, "{\"iqrKappa\":2}").expectStatus().isEqualTo(412).expectBody().returnResult();
    }

    @Test
    void policies_invalidBodies_are422NamingEachField_or400_or415() {
        put("/api/v1/policies", etag(), "{\"name\":\"warp\",\"iqrKappa\":-3,\"maxInterval\":\"PT2M\",\"colour\":1}")
                .expectStatus().isEqualTo(422)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(422)
                .jsonPath("$.errors.name").value(String.class, v -> assertThat(v).contains("unknown policy 'warp'"))
                .jsonPath("$.errors.iqrKappa").exists()
                .jsonPath("$.errors.maxInterval").isEqualTo("must be at most 60 s")
                .jsonPath("$.errors.colour").isEqualTo("unknown field");
        patch(etag(), "{\"pinnedInterval\":20}").expectStatus().isEqualTo(422).expectBody()
                .jsonPath("$.errors.pinnedInterval").value(String.class, v -> assertThat(v).contains("ISO-8601"));
        put("/api/v1/policies", etag(), "{\"name\":").expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();
        Caller.OPERATOR.as(client().put().uri("/api/v1/policies")).contentType(MediaType.TEXT_PLAIN)
                .header(HttpHeaders.IF_MATCH, etag()).bodyValue("name=sbs").exchange()
                .expectStatus().isEqualTo(415)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();
    }

    @Test
    void policies_putAndPatch_newVersionAppliedAndAudited() {
        try {
            String before = etag();
            String afterPut = put("/api/v1/policies", before, "{\"name\":\"sbs\",\"iqrKappa\":2.5,\"windowSamples\":64}")
                    .expectStatus().isOk().expectBody()
                    .jsonPath("$.actor").isEqualTo("operator")
                    .jsonPath("$.policy.iqrKappa").isEqualTo(2.5)
                    .jsonPath("$.policy.overloadCycles").isEqualTo(8)
                    .returnResult().getResponseHeaders().getETag();
            assertThat(version(afterPut)).isEqualTo(version(before) + 1);
            assertThat(loop.snapshot().activePolicy().iqrKappa()).isEqualTo(2.5);

            String afterPatch = patch(afterPut, "{\"iqrKappa\":null,\"suspectAfterFires\":5}").expectStatus().isOk()
                    .expectBody().jsonPath("$.policy.iqrKappa").isEqualTo(1.5)
                    .jsonPath("$.policy.suspectAfterFires").isEqualTo(5)
                    .jsonPath("$.policy.windowSamples").isEqualTo(64)
                    .returnResult().getResponseHeaders().getETag();
            // application/json is a merge patch too
            Caller.OPERATOR.as(client().patch().uri("/api/v1/policies")).contentType(MediaType.APPLICATION_JSON)
                    .header(HttpHeaders.IF_MATCH, afterPatch).bodyValue("{\"suspectAfterFires\":6}").exchange()
                    .expectStatus().isOk().expectBody().returnResult();

            JsonNode audit = get("/api/v1/policies/audit?limit=3");
            assertThat(audit).hasSize(3);
            JsonNode newest = audit.get(0);
            assertThat(newest.path("version").asLong()).isEqualTo(version(afterPatch) + 1);
            assertThat(newest.path("actor").asString()).isEqualTo("operator");
            assertThat(newest.path("epoch").asLong()).isEqualTo(1);
            assertThat(newest.path("policy").asString()).isEqualTo("sbs");
            assertThat(newest.path("changes")).hasSize(1);
            assertThat(newest.path("changes").get(0).path("field").asString()).isEqualTo("suspectAfterFires");
            assertThat(newest.path("changes").get(0).path("before").asInt()).isEqualTo(5);
            assertThat(newest.path("changes").get(0).path("after").asInt()).isEqualTo(6);
            JsonNode patched = audit.get(1);
            assertThat(patched.path("changes").valueStream().map(c -> c.path("field").asString()))
                    .containsExactlyInAnyOrder("iqrKappa", "suspectAfterFires");
        } finally {
            restoreDefaultPolicy();
        }
    }

    @Test
    void policies_getThenPutOfTheSameDocumentWithItsETag_is200() {
        try {
            EntityExchangeResult<String> read = Caller.VIEWER.as(client().get().uri("/api/v1/policies")).exchange()
                    .expectStatus().isOk().expectBody(String.class).returnResult();
            String tag = read.getResponseHeaders().getETag();
            String written = put("/api/v1/policies", tag, read.getResponseBody()).expectStatus().isOk()
                    .expectBody(String.class).returnResult().getResponseHeaders().getETag();
            assertThat(version(written)).isEqualTo(version(tag) + 1);

            // read, modify, write: the usual round trip, envelope and all
            EntityExchangeResult<String> again = Caller.VIEWER.as(client().get().uri("/api/v1/policies")).exchange()
                    .expectStatus().isOk().expectBody(String.class).returnResult();
            ObjectNode document = (ObjectNode) JSON.readTree(again.getResponseBody());
            ((ObjectNode) document.get("policy")).put("iqrKappa", 2.25);
            put("/api/v1/policies", again.getResponseHeaders().getETag(), document.toString()).expectStatus().isOk()
                    .expectBody().jsonPath("$.policy.iqrKappa").isEqualTo(2.25);
            assertThat(loop.snapshot().activePolicy().iqrKappa()).isEqualTo(2.25);
        } finally {
            restoreDefaultPolicy();
        }
    }

    @Test
    void policies_putOfADocumentWhoseReadOnlyMembersAreNotTheStoredOnes_is412Or409_andUnknownMembers422() {
        EntityExchangeResult<String> read = Caller.VIEWER.as(client().get().uri("/api/v1/policies")).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult();
        ObjectNode document = (ObjectNode) JSON.readTree(read.getResponseBody());
        String tag = read.getResponseHeaders().getETag();
        put("/api/v1/policies", "*", document.deepCopy().put("version", version(tag) - 1).toString())
                .expectStatus().isEqualTo(412).expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().returnResult();
        put("/api/v1/policies", tag, document.deepCopy().put("actor", "mallory").put("epoch", 99).toString())
                .expectStatus().isEqualTo(409).expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(String.class, d -> assertThat(d).contains("epoch, actor"));
        put("/api/v1/policies", tag, document.deepCopy().put("colour", 1).put("changedAt", "yesterday").toString())
                .expectStatus().isEqualTo(422).expectBody()
                .jsonPath("$.errors.colour").isEqualTo("unknown field")
                .jsonPath("$.errors.changedAt").value(String.class, v -> assertThat(v).contains("ISO-8601"));
        assertThat(etag()).isEqualTo(tag);
    }

    @Test
    void unknownPathsAndMethods_areProblemDetailsToo() {
        Caller.VIEWER.as(client().get().uri("/api/v1/nope")).exchange().expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(404).jsonPath("$.instance").isEqualTo("/api/v1/nope");
        Caller.VIEWER.as(client().get().uri("/api/v1/nothing-here")).exchange().expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(404).jsonPath("$.instance").isEqualTo("/api/v1/nothing-here");
        Caller.OPERATOR.as(client().delete().uri("/api/v1/cluster")).exchange().expectStatus().isEqualTo(405)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().exists(HttpHeaders.ALLOW).expectBody().returnResult();
    }

    @Test
    void audit_badLimit_is400() {
        Caller.VIEWER.as(client().get().uri("/api/v1/policies/audit?limit=0")).exchange().expectStatus().isBadRequest()
                .expectBody().returnResult();
        Caller.VIEWER.as(client().get().uri("/api/v1/policies/audit?limit=lots")).exchange().expectStatus()
                .isBadRequest().expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                        .expectBody().returnResult();
    }

    /**
     * The PUT answers once the loop applied the policy, so the very next tick, and the next request,
     * already run under it: the loop's snapshot shows it without waiting for its periodic refresh.
     */
    @Test
    void policyChange_isObservedByTheRunningLoop_onItsNextTick() {
        try {
            put("/api/v1/policies", etag(), "{\"name\":\"round-robin\"}").expectStatus().isOk().expectBody().returnResult();
            LoopSnapshot s = loop.snapshot();
            assertThat(s.policy()).isEqualTo("round-robin");
            assertThat(s.activePolicy().name()).isEqualTo("round-robin");
            // and a request right after is served by the round-robin strategy
            client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}")
                    .exchange().expectStatus().isOk().expectBody().returnResult();
            String metrics = client().get().uri("/actuator/prometheus").exchange().expectBody(String.class)
                    .returnResult().getResponseBody();
            assertThat(metrics).contains("sbs_ttft_seconds_count{policy=\"round-robin\"}");
        } finally {
            restoreDefaultPolicy();
        }
        assertThat(loop.snapshot().policy()).isEqualTo("sbs");
    }

    @Test
    void intervalOverride_pinsDeltaAtOnce_isAudited_andReleases() {
        try {
            put("/api/v1/interval/override", null, "{\"interval\":\"PT0.02S\"}").expectStatus().isOk()
                    .expectHeader().exists(HttpHeaders.ETAG)
                    .expectBody().jsonPath("$.policy.pinnedInterval").isEqualTo("PT0.02S");
            assertThat(loop.snapshot().prefill().intervalNanos()).isEqualTo(Duration.ofMillis(20).toNanos());
            JsonNode i = get("/api/v1/interval?seconds=60");
            assertThat(i.path("pinnedInterval").asString()).isEqualTo("PT0.02S");
            assertThat(i.path("adaptive").asBoolean()).isFalse();
            assertThat(i.path("prefill").path("intervalMs").asDouble()).isEqualTo(20.0);
            assertThat(get("/api/v1/policies/audit?limit=1").get(0).path("changes").get(0).path("field").asString())
                    .isEqualTo("pinnedInterval");

            put("/api/v1/interval/override", "\"0\"", "{\"interval\":\"PT0.03S\"}").expectStatus().isEqualTo(412)
                    .expectBody().returnResult();
            put("/api/v1/interval/override", null, "{\"interval\":\"-PT1S\"}").expectStatus().isEqualTo(422)
                    .expectBody().jsonPath("$.errors.interval").exists();
            put("/api/v1/interval/override", null, "{\"interval\":\"soon\"}").expectStatus().isEqualTo(422)
                    .expectBody().returnResult();
            put("/api/v1/interval/override", null, "{\"delta\":\"PT1S\"}").expectStatus().isEqualTo(422)
                    .expectBody().jsonPath("$.errors.delta").isEqualTo("unknown field")
                    .jsonPath("$.errors.interval").exists();

            Caller.OPERATOR.as(client().delete().uri("/api/v1/interval/override")).exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.policy.pinnedInterval").isEqualTo("PT0S");
            assertThat(get("/api/v1/interval").path("adaptive").asBoolean()).isTrue();
            put("/api/v1/interval/override", etag(), "{\"interval\":null}").expectStatus().isOk().expectBody().returnResult();
        } finally {
            restoreDefaultPolicy();
        }
    }

    @Test
    void interval_showsThePhasesNowAndASampleASecond() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(get("/api/v1/interval").path("history").size()).isGreaterThanOrEqualTo(2));
        JsonNode i = get("/api/v1/interval");
        assertThat(i.path("prefill").path("healthyInstances").asInt()).isEqualTo(3);
        assertThat(i.path("prefill").path("intervalMs").asDouble()).isPositive();
        assertThat(i.path("decode").path("instances").asInt()).isEqualTo(1);
        JsonNode history = i.path("history");
        JsonNode sample = history.get(0);
        assertThat(sample.path("at").asString()).endsWith("Z");
        assertThat(sample.path("leaderId").asString()).isEqualTo(leadership.nodeId());
        assertThat(sample.path("epoch").asLong()).isEqualTo(1);
        assertThat(sample.path("prefill").path("meanForwardMs").asDouble()).isPositive();
        assertThat(history.get(0).path("at").asString()).isLessThan(history.get(1).path("at").asString());
        assertThat(get("/api/v1/interval?seconds=1").path("history").size()).isEqualTo(1);
        assertThat(get("/api/v1/interval?seconds=0").path("history").size()).isZero();
        Caller.VIEWER.as(client().get().uri("/api/v1/interval?seconds=601")).exchange().expectStatus().isBadRequest()
                .expectBody().returnResult();
        Caller.VIEWER.as(client().get().uri("/api/v1/interval?seconds=-1")).exchange().expectStatus().isBadRequest()
                .expectBody().returnResult();
    }

    private WebTestClient.ResponseSpec preview(String body) {
        return Caller.OPERATOR.as(client().post().uri("/api/v1/policies/preview")).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange();
    }

    /** A few requests through the ingress, for the preview to replay. */
    private void recordTraffic() {
        for (int i = 0; i < 4; i++) {
            client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"recorded for the preview\"}],"
                            + "\"max_tokens\":1}").exchange().expectStatus().isOk().expectBody().returnResult();
        }
    }

    /** The preview replays the traffic this dispatcher recorded, under both policies, and applies nothing. */
    @Test
    void preview_projectsTheProposalNextToTheCurrentPolicy_andChangesNothing() {
        recordTraffic();
        String before = etag();
        JsonNode r = JSON.readTree(preview("{\"policy\":{\"name\":\"round-robin\"},\"timeScale\":2,\"seed\":5}")
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody());
        assertThat(r.path("source").asString()).isEqualTo("recorded");
        assertThat(r.path("requests").asInt()).isGreaterThanOrEqualTo(4);
        assertThat(r.path("timeScale").asDouble()).isEqualTo(2.0);
        assertThat(r.path("seed").asLong()).isEqualTo(5);
        assertThat(r.path("current").path("policy").path("name").asString()).isEqualTo("sbs");
        assertThat(r.path("proposed").path("policy").path("name").asString()).isEqualTo("round-robin");
        // the same JSON form as /api/v1/policies
        assertThat(r.path("proposed").path("policy").path("defaultInterval").asString()).isEqualTo("PT0.05S");
        assertThat(r.path("proposed").path("completed").asInt()).isPositive();
        assertThat(etag()).isEqualTo(before);
        assertThat(loop.snapshot().policy()).isEqualTo("sbs");
    }

    @Test
    void preview_invalidAsks_are422() {
        preview("{\"policy\":{\"name\":\"warp\",\"colour\":1},\"timeScale\":0,\"speed\":2}")
                .expectStatus().isEqualTo(422)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors['policy.name']").exists()
                .jsonPath("$.errors['policy.colour']").isEqualTo("unknown field")
                .jsonPath("$.errors.timeScale").exists()
                .jsonPath("$.errors.speed").isEqualTo("unknown field");
        preview("{\"trace\":\"x\"}").expectStatus().isEqualTo(422).expectBody()
                .jsonPath("$.errors.policy").exists();
        preview("{\"policy\":{},\"trace\":\"no-such-trace\"}").expectStatus().isEqualTo(422).expectBody()
                .jsonPath("$.reason").isEqualTo("UNKNOWN_TRACE");
    }

    @Test
    void aKeyGivenTwice_is400_andChangesNothing() {
        String before = etag();
        Caller.OPERATOR.as(client().put().uri("/api/v1/policies")).contentType(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.IF_MATCH, "*").bodyValue("{\"name\":\"sbs\",\"iqrKappa\":2.0,\"iqrKappa\":3.0}")
                .exchange().expectStatus().isBadRequest().expectBody()
                .jsonPath("$.detail").value(String.class, d -> assertThat(d).contains("Duplicate Object property"));
        assertThat(etag()).isEqualTo(before);
    }

    @Test
    void preview_timeScaleOf1e15_is422AtOnce_andTheNextPreviewRuns() {
        recordTraffic();
        preview("{\"policy\":{},\"timeScale\":1e15}").expectStatus().isEqualTo(422).expectBody()
                .jsonPath("$.errors.timeScale").isEqualTo("must be between 0.01 and 1000.0");
        preview("{\"policy\":{},\"timeScale\":1000}").expectStatus().isOk().expectBody().returnResult();
        preview("{\"policy\":{}}").expectStatus().isOk().expectBody().returnResult();
    }

    @Test
    void register_urlsThatMayNotNameAnEngine_are422_andNothingIsRegistered() {
        for (String url : new String[] {"http://169.254.169.254/latest/meta-data", "http://[fe80::1]:8000",
            "http://admin:secret@127.0.0.1:8000", "http://127.0.0.1:0", "http://127.0.0.1:99999", "ftp://127.0.0.1"}) {
            Caller.OPERATOR.as(client().post().uri("/api/v1/instances")).contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"id\":\"bad-url\",\"url\":\"" + url + "\",\"kind\":\"sglang\",\"dpUnits\":1,"
                            + "\"chunkTokens\":1024}")
                    .exchange().expectStatus().isEqualTo(422).expectBody()
                    .jsonPath("$.errors.url").value(String.class, reason -> assertThat(reason).doesNotContain("secret"));
        }
        Caller.VIEWER.as(client().get().uri("/api/v1/instances/bad-url")).exchange().expectStatus().isNotFound()
                .expectBody().returnResult();
    }

    private String registerBody(String id) {
        return "{\"id\":\"" + id + "\",\"url\":\"http://127.0.0.1:" + extra.port() + "\",\"kind\":\"sglang\","
                + "\"dpUnits\":2,\"chunkTokens\":1024,\"bootstrapPort\":" + extra.port() + "}";
    }

    private WebTestClient.ResponseSpec register(String body) {
        return Caller.OPERATOR.as(client().post().uri("/api/v1/instances")).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange();
    }

    private WebTestClient.ResponseSpec call(String method, String path) {
        return Caller.OPERATOR.as(client().method(org.springframework.http.HttpMethod.valueOf(method)).uri(path))
                .exchange();
    }

    /**
     * A registered instance joins the dispatch at once: with the embedded prefill instances draining, the
     * requests go to it; drained ones leave {@code N}; removed, it is gone.
     */
    @Test
    void instances_registerDrainResumeRemove_reachTheLoop() {
        register(registerBody("extra-0")).expectStatus().isCreated()
                .expectHeader().location("/api/v1/instances/extra-0")
                .expectBody().jsonPath("$.id").isEqualTo("extra-0").jsonPath("$.phase").isEqualTo("PREFILL")
                .jsonPath("$.health").isEqualTo("UP").jsonPath("$.units.length()").isEqualTo(2);
        try {
            register(registerBody("extra-0")).expectStatus().isEqualTo(409)
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();
            assertThat(loop.snapshot().prefill().healthyInstances()).isEqualTo(4);
            for (String id : List.of("prefill-0", "prefill-1", "prefill-2")) {
                call("POST", "/api/v1/instances/" + id + "/drain").expectStatus().isOk().expectBody()
                        .jsonPath("$.draining").isEqualTo(true);
            }
            assertThat(loop.snapshot().prefill().healthyInstances()).isEqualTo(1);
            // the last one taking requests cannot drain
            call("POST", "/api/v1/instances/extra-0/drain").expectStatus().isEqualTo(409).expectBody().returnResult();

            int before = EXTRA_PASSES.get();
            for (int i = 0; i < 3; i++) {
                client().post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"to the new instance\"}],"
                                + "\"max_tokens\":2}").exchange().expectStatus().isOk().expectBody().returnResult();
            }
            assertThat(EXTRA_PASSES.get()).isGreaterThan(before);
        } finally {
            for (String id : List.of("prefill-0", "prefill-1", "prefill-2")) {
                call("DELETE", "/api/v1/instances/" + id + "/drain").expectStatus().isOk().expectBody()
                        .jsonPath("$.draining").isEqualTo(false);
            }
            call("DELETE", "/api/v1/instances/extra-0").expectStatus().isNoContent().expectBody().returnResult();
        }
        call("GET", "/api/v1/instances/extra-0").expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();
        call("DELETE", "/api/v1/instances/extra-0").expectStatus().isNotFound().expectBody().returnResult();
        assertThat(loop.snapshot().units()).noneMatch(u -> u.instanceId().equals("extra-0"));
        assertThat(loop.snapshot().prefill().healthyInstances()).isEqualTo(3);
        assertThat(get("/api/v1/cluster").path("instances").valueStream().map(i -> i.path("id").asString()))
                .doesNotContain("extra-0");
    }

    @Test
    void instances_lastOfAPhase_cannotBeRemovedOrDrained() {
        call("DELETE", "/api/v1/instances/decode-0").expectStatus().isEqualTo(409).expectBody()
                .jsonPath("$.detail").value(String.class, d -> assertThat(d).contains("last DECODE instance"));
        call("POST", "/api/v1/instances/decode-0/drain").expectStatus().isEqualTo(409).expectBody().returnResult();
        assertThat(loop.snapshot().units()).filteredOn(u -> u.phase() == Phase.DECODE).hasSize(32);
    }

    @Test
    void instances_invalidRegistration_is422NamingEachField() {
        register("{\"id\":\"bad id\",\"url\":\"ftp://x\",\"kind\":\"triton\",\"role\":\"both\",\"dpUnits\":0,"
                + "\"chunkTokens\":-1,\"gpu\":\"h100\"}").expectStatus().isEqualTo(422).expectBody()
                .jsonPath("$.errors.id").exists().jsonPath("$.errors.url").exists().jsonPath("$.errors.kind").exists()
                .jsonPath("$.errors.role").exists().jsonPath("$.errors.dpUnits").exists()
                .jsonPath("$.errors.gpu").isEqualTo("unknown field");
        register("{\"id\":\"p9\",\"url\":\"http://127.0.0.1:1\",\"kind\":\"sglang\",\"dpUnits\":2}")
                .expectStatus().isEqualTo(422).expectBody().jsonPath("$.errors.chunkTokens").exists();
        call("POST", "/api/v1/instances/nobody/drain").expectStatus().isNotFound().expectBody().returnResult();
    }

    private static long version(String etag) {
        return Long.parseLong(etag.replace("\"", ""));
    }
}
