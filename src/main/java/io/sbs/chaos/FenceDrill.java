package io.sbs.chaos;

import io.sbs.tools.Wait;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code fence}: {@code SIGSTOP} the leader for longer than its lease, let the standby take over,
 * {@code SIGCONT} it, and at once try policy writes through it ({@code PUT /api/v1/policies} with
 * {@code If-Match}, as the operator), under load. Then the store is checked:
 * {@code stale_writes_accepted} counts audit-trail entries ({@code policy-history}) stamped with an epoch
 * older than the new leader's and a version newer than the store's at the takeover, which only a deposed
 * leader's write could have made; {@code stale_writes_rejected} is how much the old leader's
 * {@code sbs_state_fenced_writes_total} (writes Redis refused with {@code FENCED}) rose. A run leaves
 * both nodes up: the resumed one stands by for the next run.
 */
final class FenceDrill extends Drill {

    /** Twice the default lease TTL (2.5 s): the standby surely leads before the old leader resumes. */
    static final Duration STOP = Duration.ofSeconds(5);
    static final Duration LOAD_BEFORE_STOP = Duration.ofSeconds(1);
    static final int WRITE_ATTEMPTS = 5;
    static final String FENCED_METER = "sbs_state_fenced_writes_total";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    FenceDrill(Harness harness, ChaosOptions options) {
        super(harness, options);
    }

    /** What the write attempts through the old leader got: answers by HTTP status ({@code none}: no answer). */
    record Writes(int attempts, Map<String, Long> answers) {

        long conflicts() {
            return answers.getOrDefault("409", 0L);
        }
    }

    @Override
    DrillReport run() throws Exception {
        h.startRedis(false);
        h.startService();
        List<Map<String, @Nullable Object>> runs = new ArrayList<>();
        List<@Nullable Double> takeovers = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        long accepted = 0;
        Long rejected = 0L;
        Long conflicts = 0L;
        for (int run = 1; run <= o.runs(); run++) {
            Harness.Leaders before = h.awaitOneLeader(Duration.ofSeconds(30));
            DispatcherNode old = before.leader();
            DispatcherNode standby = before.standby();
            Double fencedBefore = old.meter(FENCED_METER);
            ClientLoad load = h.load("fence-" + run, h.nodes());
            long started = load.start();
            Wait.untilNanos(started + LOAD_BEFORE_STOP.toNanos());
            long stopped = old.signal("STOP");
            Takeover takeover = Takeover.await(standby, stopped, before.epoch());
            long versionAtTakeover = policyVersion();
            Wait.untilNanos(stopped + STOP.toNanos());
            long resumed = old.signal("CONT");
            Writes writes = tryWrites(old);
            DispatcherNode.Leadership oldView = old.leadership();
            Wait.untilNanos(resumed + o.after().toNanos());
            Ended ended = end(load);
            Double fencedAfter = old.meter(FENCED_METER);
            // without a takeover every write of the old leader was legitimate
            Long stale = takeover == null ? null : staleWritesAccepted(versionAtTakeover, takeover.epoch());
            Long fenced = fencedBefore == null || fencedAfter == null ? null : Math.round(fencedAfter - fencedBefore);
            Tally tally = ended.tally();

            Map<String, @Nullable Object> r = new LinkedHashMap<>();
            r.put("run", run);
            r.put("stopped", old.id());
            r.put("took_over", standby.id());
            r.put("epoch_before", before.epoch());
            r.put("epoch_after", takeover == null ? null : takeover.epoch());
            r.put("stopped_ms", Tally.ms(resumed - stopped));
            r.put("takeover_ms", takeover == null ? null : Tally.ms(takeover.atNanos() - stopped));
            r.put("old_leader_says_leader_after_cont", oldView == null ? null : oldView.leader());
            r.put("stale_write_attempts", writes == null ? null : writes.attempts());
            r.put("stale_write_answers", writes == null ? null : writes.answers());
            r.put("stale_writes_accepted", stale);
            r.put("stale_writes_rejected", fenced);
            ended.into(r);
            runs.add(r);
            System.out.printf(java.util.Locale.ROOT, "fence run %d: stopped %s, takeover %s ms, stale writes accepted %s, "
                    + "rejected %s, write answers %s, lost %d%n", run, old.id(), r.get("takeover_ms"), stale, fenced,
                    writes == null ? null : writes.answers(), tally.lost());

            takeovers.add((Double) r.get("takeover_ms"));
            accepted += stale == null ? 0 : stale;
            rejected = rejected == null || fenced == null ? null : rejected + fenced;
            conflicts = conflicts == null || writes == null ? null : conflicts + writes.conflicts();
            if (takeover == null) {
                notes.add("run " + run + ": " + standby.id() + " did not lead within " + Takeover.LIMIT.toSeconds()
                        + " s of the stop, so the drill stopped there");
                break;
            }
        }
        if (rejected == null) {
            notes.add("stale_writes_rejected is null: the old leader's /actuator/prometheus has no " + FENCED_METER
                    + " (writes refused with FENCED) in this build");
        }
        if (conflicts == null) {
            notes.add("stale_write_attempts, stale_write_answers and write_conflicts_409 are null: the old leader does "
                    + "not serve GET/PUT /api/v1/policies in this build, so no write could be tried through it; "
                    + "stale_writes_accepted still checks the store's audit trail for writes of the old epoch");
        }
        Map<String, @Nullable Object> overall = new LinkedHashMap<>();
        overall.put("stale_writes_accepted", accepted);
        overall.put("stale_writes_rejected", rejected);
        overall.put("write_conflicts_409", conflicts);
        overall.put("takeover_ms", Tally.spread(takeovers));
        totalsInto(overall);
        return new DrillReport("fence", runs, overall, notes);
    }

    /**
     * {@link #WRITE_ATTEMPTS} policy replacements through {@code node}, one after the other from the moment
     * it resumes: read the policy and its version, write it back with {@code If-Match}. Null when the node
     * does not serve the policy API (404).
     */
    private static @Nullable Writes tryWrites(DispatcherNode node) {
        Map<String, Long> answers = new TreeMap<>();
        for (int i = 0; i < WRITE_ATTEMPTS; i++) {
            HttpResponse<String> current = node.get("/api/v1/policies");
            if (current != null && current.statusCode() == 404) {
                return null;
            }
            String status;
            if (current == null || current.statusCode() != 200) {
                status = current == null ? "none" : "read-" + current.statusCode();
            } else {
                HttpResponse<String> put = node.write("PUT", "/api/v1/policies", policyBody(current.body()),
                        current.headers().firstValue("ETag").orElseGet(() -> etag(current.body())));
                status = put == null ? "none" : Integer.toString(put.statusCode());
            }
            answers.merge(status, 1L, Long::sum);
        }
        return new Writes(WRITE_ATTEMPTS, answers);
    }

    /** The policy to write back: the {@code policy} member of the read record when it has one, else all of it. */
    static String policyBody(String read) {
        try {
            JsonNode json = JSON.readTree(read);
            return json.has("policy") ? json.get("policy").toString() : json.toString();
        } catch (JacksonException e) {
            return read;
        }
    }

    /** An entity tag from the read record's {@code version}, for an API that sends none. */
    static @Nullable String etag(String read) {
        try {
            JsonNode version = JSON.readTree(read).get("version");
            return version == null ? null : "\"" + version.asString() + "\"";
        } catch (JacksonException e) {
            return null;
        }
    }

    private long policyVersion() {
        String v = h.redis().onMaster(c -> c.get(Harness.POLICY_VERSION));
        return v == null ? 0 : Long.parseLong(v);
    }

    /** Audit-trail entries newer than {@code versionAtTakeover} that carry an epoch older than the new leader's. */
    private long staleWritesAccepted(long versionAtTakeover, long newEpoch) {
        List<String> history = h.redis().onMaster(c -> c.lrange(Harness.POLICY_HISTORY, 0, -1));
        return countStale(history, versionAtTakeover, newEpoch);
    }

    static long countStale(List<String> history, long versionAtTakeover, long newEpoch) {
        long stale = 0;
        for (String entry : history) {
            JsonNode record = JSON.readTree(entry);
            if (record.path("version").asLong() > versionAtTakeover && record.path("epoch").asLong() < newEpoch) {
                stale++;
            }
        }
        return stale;
    }
}
