package io.sbs.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code failover}: {@code SIGKILL} the leader at a random moment under load, and measure how long the
 * standby takes to lead ({@code takeover_ms}, {@link Takeover}) and what the clients saw. Each run then
 * starts the killed node again, as the next run's standby; Redis and the engines live across runs, which
 * keeps a run to seconds (the store's keys outlive runs, as they outlive a dispatcher in production).
 */
final class FailoverDrill extends Drill {

    FailoverDrill(Harness harness, ChaosOptions options) {
        super(harness, options);
    }

    @Override
    DrillReport run() throws Exception {
        h.startRedis(false);
        h.startService();
        List<Map<String, @Nullable Object>> runs = new ArrayList<>();
        List<@Nullable Double> takeovers = new ArrayList<>();
        List<@Nullable Double> firstCompletions = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int run = 1; run <= o.runs(); run++) {
            Harness.Leaders before = h.awaitOneLeader(Duration.ofSeconds(30));
            DispatcherNode leader = before.leader();
            DispatcherNode survivor = before.standby();
            ClientLoad load = h.load("failover-" + run, h.nodes());
            long started = load.start();
            long killAfter = h.nextFaultAfterNanos();
            Wait.untilNanos(started + killAfter);
            long killed = leader.kill();
            load.route(Harness.targets(List.of(survivor)));
            Takeover after = Takeover.await(survivor, killed, before.epoch());
            Double takeover = after == null ? null : Tally.ms(after.atNanos() - killed);
            Wait.untilNanos((after == null ? System.nanoTime() : after.atNanos()) + o.after().toNanos());
            Ended ended = end(load);
            List<ClientLoad.Result> results = ended.results();
            Tally tally = ended.tally();
            Double firstCompletion = Tally.firstCompletionAfterMs(results, killed);

            Map<String, @Nullable Object> r = new LinkedHashMap<>();
            r.put("run", run);
            r.put("killed", leader.id());
            r.put("survivor", survivor.id());
            r.put("kill_after_ms", Tally.ms(killAfter));
            r.put("epoch_before", before.epoch());
            r.put("epoch_after", after == null ? null : after.epoch());
            r.put("takeover_ms", takeover);
            r.put("first_completion_after_kill_ms", firstCompletion);
            ended.into(r);
            runs.add(r);
            System.out.printf(java.util.Locale.ROOT, "failover run %d: killed %s, takeover %s ms, first completion "
                    + "after kill %s ms, sent %d, completed %d, failed_with_error %d, lost %d, buffer_left %s%n", run,
                    leader.id(), takeover, firstCompletion, tally.sent(), tally.completed(), tally.failedWithError(),
                    tally.lost(), ended.bufferLeft());

            takeovers.add(takeover);
            firstCompletions.add(firstCompletion);
            if (after == null) {
                notes.add("run " + run + ": " + survivor.id() + " did not lead within " + Takeover.LIMIT.toSeconds()
                        + " s of the kill, so the drill stopped there; see logs/" + survivor.logName() + ".log");
                break;
            }
            if (run < o.runs()) {
                leader.start(Harness.START_TIMEOUT);
            }
        }
        Map<String, @Nullable Object> overall = new LinkedHashMap<>();
        overall.put("takeover_ms", Tally.spread(takeovers));
        overall.put("first_completion_after_kill_ms", Tally.spread(firstCompletions));
        totalsInto(overall);
        return new DrillReport("failover", runs, overall, notes);
    }
}
