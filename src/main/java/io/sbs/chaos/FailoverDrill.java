package io.sbs.chaos;

import io.sbs.tools.Wait;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code failover}: {@code SIGKILL} the leader at a random moment under load, and measure how long the
 * standby takes to lead ({@code takeover_ms}, {@link Takeover}) and what the clients saw. Each run then
 * starts the killed node again, as the next run's standby; Redis and the engines live across runs, which
 * keeps a run to seconds (the store's keys outlive runs, as they outlive a dispatcher in production).
 *
 * <p>Before each kill the drill registers {@link Harness#EXTRA} on the leader over the admin API and counts
 * the requests its engine prefilled from the takeover to the end of the run
 * ({@code registered_instance_served_after_takeover}): the new leader dispatches to it only because the
 * registration is stored and followed by every node. The new leader removes it again after the run. With
 * {@code --push}, {@link PushReadiness} times how soon the new leader's loop runs on a {@code T̄_fwd} from
 * pushes (0 when it stood by as a hot standby) and how soon it takes a fresh push as leader.
 */
final class FailoverDrill extends Drill {

    private static final JsonMapper JSON = JsonMapper.builder().build();

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
        List<@Nullable Long> servedCounts = new ArrayList<>();
        List<@Nullable Double> passModels = new ArrayList<>();
        List<@Nullable Double> pushApplieds = new ArrayList<>();
        List<@Nullable Double> firstPolls = new ArrayList<>();
        DispatcherNode lastSurvivor = null;
        for (int run = 1; run <= o.runs(); run++) {
            Harness.Leaders before = h.awaitOneLeader(Duration.ofSeconds(30));
            DispatcherNode leader = before.leader();
            DispatcherNode survivor = before.standby();
            lastSurvivor = survivor;
            // an operator's change the takeover must keep: an instance only the leader was told of
            Integer registered = status(leader.write("POST", "/api/v1/instances", h.extraInstanceSpec(), null));
            Double appliedBefore = o.push() ? PushReadiness.applied(survivor) : null;
            ClientLoad load = h.load("failover-" + run, h.nodes());
            long started = load.start();
            long killAfter = h.nextFaultAfterNanos();
            Wait.untilNanos(started + killAfter);
            // what the standby relayed to the leader until now: the relay works in steady state
            Double relayed = o.push() ? PushReadiness.relayed(leader) : null;
            // the standby's pass model just before the kill: warm (from the pushes it relays) or not
            Boolean warm = o.push() ? PushReadiness.fromPushes(survivor) : null;
            long killed = leader.kill();
            load.route(Harness.targets(List.of(survivor)));
            if (o.push() && warm == null) {
                // it did not answer in time: ask again while it still stands by (the lease runs 2 s more), when
                // its window, which takes samples from pushes alone, holds what it will lead with
                warm = PushReadiness.fromPushes(survivor);
            }
            Takeover after = Takeover.await(survivor, killed, before.epoch());
            Double takeover = after == null ? null : Tally.ms(after.atNanos() - killed);
            // beside the push figures' first poll, which must not wait for it
            CompletableFuture<@Nullable Long> extraAtTakeoverCall = after == null
                    ? CompletableFuture.completedFuture(null) : CompletableFuture.supplyAsync(h::extraPrefilled);
            PushReadiness.AfterTakeover pushes = null;
            if (after != null && appliedBefore != null) {
                pushes = PushReadiness.poll(survivor, after.atNanos(), Boolean.TRUE.equals(warm), appliedBefore,
                        after.atNanos() + o.after().toNanos());
            }
            Long extraAtTakeover = extraAtTakeoverCall.join();
            Double passModel = pushes == null ? null : pushes.passModelMs();
            Double pushApplied = pushes == null ? null : pushes.appliedMs();
            Wait.untilNanos((after == null ? System.nanoTime() : after.atNanos()) + o.after().toNanos());
            Ended ended = end(load);
            Long extraAtEnd = h.extraPrefilled();
            Long served = extraAtTakeover == null || extraAtEnd == null ? null : extraAtEnd - extraAtTakeover;
            Double passMs = o.push() ? meanForwardMs(survivor) : null;
            // on the new leader, so that the next run registers it afresh
            Integer removed = after == null ? null
                    : status(survivor.write("DELETE", "/api/v1/instances/" + Harness.EXTRA, "", null));
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
            r.put("registered_status", registered);
            r.put("registered_instance_served_after_takeover", served);
            r.put("removed_status", removed);
            if (o.push()) {
                r.put("relayed_pushes_before_kill", relayed);
                r.put("pass_model_from_pushes_before_kill", warm);
                r.put("pass_model_from_pushes_after_takeover_ms", passModel);
                r.put("push_applied_after_takeover_ms", pushApplied);
                r.put("first_poll_after_takeover_ms", pushes == null ? null : pushes.firstPollMs());
                r.put("pass_ms", passMs);
            }
            ended.into(r);
            runs.add(r);
            System.out.printf(java.util.Locale.ROOT, "failover run %d: killed %s, takeover %s ms, first completion "
                    + "after kill %s ms, sent %d, completed %d, failed_with_error %d, lost %d, buffer_left %s, "
                    + "registered instance served %s after the takeover, T̄_fwd from pushes %s ms and first push taken %s ms "
                    + "after it%n", run,
                    leader.id(), takeover, firstCompletion, tally.sent(), tally.completed(), tally.failedWithError(),
                    tally.lost(), ended.bufferLeft(), served, passModel, pushApplied);
            servedCounts.add(served);
            passModels.add(passModel);
            firstPolls.add(pushes == null ? null : pushes.firstPollMs());
            pushApplieds.add(pushApplied);
            if (registered == null || registered != 201) {
                notes.add("run " + run + ": registering " + Harness.EXTRA + " on " + leader.id() + " answered "
                        + registered + ", not 201");
            }

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
        overall.put("registered_instance_served_after_takeover_min", servedCounts.stream()
                .map(n -> n == null ? 0L : n).min(Long::compare).orElse(null));
        if (o.push()) {
            overall.put("pass_model_from_pushes_after_takeover_ms", Tally.spread(passModels));
            overall.put("push_applied_after_takeover_ms", Tally.spread(pushApplieds));
            overall.put("first_poll_after_takeover_ms", Tally.spread(firstPolls));
        }
        // the last leader ends with a normal stop, whose log must stay quiet (StateShutdown)
        DispatcherNode last = Objects.requireNonNull(lastSurvivor, "no run");
        List<String> warnings = last.stopNormally(Duration.ofSeconds(60));
        overall.put("normal_stop_warnings", warnings.size());
        warnings.stream().limit(5).forEach(w -> notes.add("normal stop of " + last.id() + " logged: " + w));
        totalsInto(overall);
        return new DrillReport("failover", runs, overall, notes);
    }

    private static @Nullable Integer status(@Nullable HttpResponse<String> response) {
        return response == null ? null : response.statusCode();
    }

    /** The node's {@code T̄_fwd} of the prefill phase, from {@code /api/v1/interval}; null when unknown. */
    private static @Nullable Double meanForwardMs(DispatcherNode node) {
        HttpResponse<String> r = node.get("/api/v1/interval?seconds=0");
        if (r == null || r.statusCode() != 200) {
            return null;
        }
        try {
            return JSON.readTree(r.body()).path("prefill")
                    .path("meanForwardMs").asDouble();
        } catch (JacksonException e) {
            return null;
        }
    }
}
