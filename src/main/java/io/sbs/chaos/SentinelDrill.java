package io.sbs.chaos;

import io.sbs.tools.Wait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code sentinel}: under load, {@code SIGKILL} the Redis master of a master, two replicas and three
 * Sentinels, and measure: how long the Sentinels take to name a new master ({@code redis_failover_ms}),
 * how long until one dispatcher leads again and both agree ({@code leader_again_ms}), the longest pause
 * between client completions ({@code longest_pause_ms}), the time until a request sent after the kill completes
 * ({@code resume_ms}), how long the dispatchers decided their requests alone, the store being unreachable
 * ({@code degraded_ms}: the longest of the two, from their {@code sbs_state_degraded_seconds_total}), and
 * what the clients saw. The load runs until completions resume after the new
 * master is named, then {@code --after} more seconds. Between runs the killed server comes back as a
 * replica of the new master.
 */
final class SentinelDrill extends Drill {

    static final Duration LIMIT = Duration.ofSeconds(60);

    SentinelDrill(Harness harness, ChaosOptions options) {
        super(harness, options);
    }

    @Override
    DrillReport run() throws Exception {
        h.startRedis(true);
        h.startService();
        if (!(h.redis() instanceof SentinelRedis redis)) {
            throw new IllegalStateException("the sentinel drill runs on Sentinels");
        }
        List<Map<String, @Nullable Object>> runs = new ArrayList<>();
        List<@Nullable Double> failovers = new ArrayList<>();
        List<@Nullable Double> leaderAgain = new ArrayList<>();
        List<@Nullable Double> pauses = new ArrayList<>();
        List<@Nullable Double> resumes = new ArrayList<>();
        List<@Nullable Double> degraded = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int run = 1; run <= o.runs(); run++) {
            Harness.Leaders before = h.awaitOneLeader(LIMIT);
            int oldMaster = redis.masterPort();
            ClientLoad load = h.load("sentinel-" + run, h.nodes());
            long started = load.start();
            long killAfter = h.nextFaultAfterNanos();
            Wait.untilNanos(started + killAfter);
            List<@Nullable Double> degradedBefore = degradedSeconds();
            long killed = redis.killMaster();
            Long promotedAt = null;
            int newMaster = -1;
            while (System.nanoTime() - killed < LIMIT.toNanos()) {
                try {
                    newMaster = redis.masterPort();
                } catch (IllegalStateException noAnswer) {
                    newMaster = -1;
                }
                if (newMaster > 0 && newMaster != oldMaster) {
                    promotedAt = System.nanoTime();
                    break;
                }
                Wait.untilNanos(System.nanoTime() + Duration.ofMillis(50).toNanos());
            }
            Harness.Leaders again = null;
            Long againAt = null;
            Long resumedAt = null;
            if (promotedAt != null) {
                try {
                    again = h.awaitOneLeader(LIMIT);
                    againAt = System.nanoTime();
                } catch (IllegalStateException e) {
                    notes.add("run " + run + ": " + e.getMessage());
                }
                long promoted = promotedAt;
                try {
                    Wait.until(LIMIT, Duration.ofMillis(20), () -> load.lastCompletedNanos() - promoted > 0,
                            () -> "no request completed within " + LIMIT.toSeconds() + " s of the new master");
                    resumedAt = load.lastCompletedNanos();
                } catch (IllegalStateException e) {
                    notes.add("run " + run + ": " + e.getMessage());
                }
            } else {
                notes.add("run " + run + ": the Sentinels named no new master within " + LIMIT.toSeconds() + " s");
            }
            Wait.untilNanos(Math.max(System.nanoTime(), resumedAt == null ? 0 : resumedAt) + o.after().toNanos());
            Ended ended = end(load);
            Double degradedMs = degradedMs(degradedBefore, degradedSeconds());
            List<ClientLoad.Result> results = ended.results();
            Tally tally = ended.tally();
            Double failover = promotedAt == null ? null : Tally.ms(promotedAt - killed);
            Double leader = againAt == null ? null : Tally.ms(againAt - killed);
            double pause = ended.longestPauseMs();
            Double resume = Tally.firstCompletionAfterMs(results, killed);

            Map<String, @Nullable Object> r = new LinkedHashMap<>();
            r.put("run", run);
            r.put("killed_master_port", oldMaster);
            r.put("new_master_port", promotedAt == null ? null : newMaster);
            r.put("kill_after_ms", Tally.ms(killAfter));
            r.put("redis_failover_ms", failover);
            r.put("epoch_before", before.epoch());
            r.put("epoch_after", again == null ? null : again.epoch());
            r.put("leader_after", again == null ? null : again.leader().id());
            r.put("leader_again_ms", leader);
            r.put("resume_ms", resume);
            r.put("degraded_ms", degradedMs);
            ended.into(r);
            runs.add(r);
            System.out.printf(java.util.Locale.ROOT, "sentinel run %d: master %d -> %s in %s ms, one leader again after "
                    + "%s ms, pause %.1f ms, resume %s ms, degraded %s ms, sent %d, completed %d, failed_with_error %d, lost %d%n", run,
                    oldMaster, r.get("new_master_port"), failover, leader, pause, resume, degradedMs, tally.sent(), tally.completed(),
                    tally.failedWithError(), tally.lost());

            failovers.add(failover);
            leaderAgain.add(leader);
            pauses.add(pause);
            resumes.add(resume);
            degraded.add(degradedMs);
            if (promotedAt == null || again == null) {
                notes.add("run " + run + ": the drill stopped after this run; see logs/");
                break;
            }
            if (run < o.runs()) {
                redis.restartKilled();
            }
        }
        Map<String, @Nullable Object> overall = new LinkedHashMap<>();
        overall.put("longest_pause_ms", Tally.spread(pauses));
        overall.put("resume_ms", Tally.spread(resumes));
        overall.put("degraded_ms", Tally.spread(degraded));
        overall.put("redis_failover_ms", Tally.spread(failovers));
        overall.put("leader_again_ms", Tally.spread(leaderAgain));
        totalsInto(overall);
        return new DrillReport("sentinel", runs, overall, notes);
    }

    /** Each node's time spent deciding alone since its start, in seconds; null where it did not answer. */
    private List<@Nullable Double> degradedSeconds() {
        List<@Nullable Double> out = new ArrayList<>();
        for (DispatcherNode n : h.nodes()) {
            // a busy node may miss one call's timeout (its first scrape builds the registry's text)
            Double seconds = null;
            for (int attempt = 0; attempt < 3 && seconds == null; attempt++) {
                seconds = n.meter("sbs_state_degraded_seconds_total");
            }
            out.add(seconds);
        }
        return out;
    }

    /** The longest any node spent deciding alone between the two readings; null when no node answered both. */
    static @Nullable Double degradedMs(List<@Nullable Double> before, List<@Nullable Double> after) {
        Double longest = null;
        for (int i = 0; i < before.size() && i < after.size(); i++) {
            Double b = before.get(i);
            Double a = after.get(i);
            if (a != null && b != null) {
                longest = Math.max(longest == null ? 0 : longest, Math.round((a - b) * 10_000) / 10.0);
            }
        }
        return longest;
    }
}
