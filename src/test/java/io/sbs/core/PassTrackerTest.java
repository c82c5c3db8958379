package io.sbs.core;

import static io.sbs.core.Fixtures.MS;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The pass and queue estimate of one prefill instance of two units ({@code C_max} 1000), every pass
 * predicted to take 100 ms, requests reaching the engine 2 ms after they are sent.
 */
class PassTrackerTest {

    private static final long PASS = 100 * MS;
    private static final long TAU = 2 * MS;
    private static final PassTracker.PassTime FIXED = (max, sum, attention) -> PASS;

    private final InstanceState inst = new InstanceState("p", Phase.PREFILL, 2, 1000, Long.MAX_VALUE, 0);
    private final PassTracker tracker = inst.tracker;

    private DpUnitState unit(int d) {
        return inst.units().get(d);
    }

    /** Request 1 of 300 tokens on unit 0 at 0: it starts a pass of its own at 2 ms, predicted to end at 102 ms. */
    private void firstPass() {
        tracker.send(0, 1, 300, 0, TAU);
    }

    @Test
    void send_toAnIdleInstance_startsAPassWhenItArrives_leavingTheNextPassFree() {
        firstPass();
        assertThat(inst.passRunning()).isTrue();
        assertThat(inst.passStartedNanos()).isEqualTo(2 * MS);
        assertThat(tracker.predictedEnd(FIXED)).isEqualTo(102 * MS);
        assertThat(unit(0).startingPassTokens()).isEqualTo(300);
        assertThat(unit(0).availableCapacity()).isEqualTo(1000);
    }

    @Test
    void send_inTheSameInstant_joinsThatPass_upToTheChunk() {
        firstPass();
        tracker.send(1, 2, 1500, 0, TAU);
        assertThat(tracker.takeSum()).isEqualTo(300 + 1000);
        assertThat(unit(1).availableCapacity()).as("500 tokens are left for the next pass").isEqualTo(500);
    }

    @Test
    void send_whileAPassRuns_countsAgainstTheNextPass_inFlightThenOnTheDevice() {
        firstPass();
        tracker.advance(10 * MS, FIXED);
        tracker.send(0, 2, 400, 10 * MS, TAU);
        assertThat(unit(0).inflightTokens()).isEqualTo(400);
        assertThat(unit(0).availableCapacity()).isEqualTo(600);
        tracker.advance(13 * MS, FIXED);
        assertThat(unit(0).inflightTokens()).isZero();
        assertThat(unit(0).deviceBacklogTokens()).isEqualTo(400);
        assertThat(unit(0).availableCapacity()).isEqualTo(600);
    }

    @Test
    void advance_pastThePredictedEnd_ofAPassThatFinishesARequestWeSent_waitsForItsFirstToken() {
        firstPass();
        assertThat(tracker.advance(500 * MS, FIXED)).as("no boundary from the prediction alone").isZero();
        assertThat(inst.passRunning()).isTrue();
        assertThat(inst.passStartedNanos()).isEqualTo(2 * MS);
    }

    @Test
    void advance_pastThePredictedEnd_ofAPassThatFinishesNothingWeSent_startsTheNextPass() {
        // a 2500-token prompt: its first pass runs 1000 tokens of it and finishes nothing
        tracker.send(0, 1, 2500, 0, TAU);
        assertThat(tracker.advance(110 * MS, FIXED)).isEqualTo(1);
        assertThat(inst.passStartedNanos()).isEqualTo(102 * MS);
        assertThat(tracker.takeSum()).isEqualTo(1000);
        assertThat(unit(0).deviceBacklogTokens()).as("the last 500 wait for the third pass").isEqualTo(500);
    }

    @Test
    void onCompleted_ofTheRunningPass_endsItThen_andTheNextPassStartsAtOnce() {
        firstPass();
        tracker.send(0, 2, 400, 10 * MS, TAU);
        PassTracker.Boundary b = tracker.onCompleted(1, 90 * MS, 92 * MS, 25 * MS);
        assertThat(b).isNotNull();
        assertThat(b.durationNanos()).as("its start was only predicted: no sample").isNegative();
        assertThat(inst.passStartedNanos()).isEqualTo(90 * MS);
        assertThat(tracker.takeSum()).isEqualTo(400);
        // this pass started on an observed end: its own end, observed, is a duration sample
        PassTracker.Boundary measured = tracker.onCompleted(2, 185 * MS, 187 * MS, 25 * MS);
        assertThat(measured.durationNanos()).isEqualTo(95 * MS);
        assertThat(measured.maxTokens()).isEqualTo(400);
        assertThat(inst.passRunning()).isFalse();
    }

    @Test
    void onCompleted_afterPassesThatFinishedNothing_measuresThemAllFromTheLastObservedEnd() {
        firstPass();
        // a 2500-token prompt behind request 1: after 1's pass, two passes that finish nothing, then its last
        tracker.send(0, 2, 2500, 10 * MS, TAU);
        tracker.onCompleted(1, 90 * MS, 92 * MS, 25 * MS);
        assertThat(tracker.advance(400 * MS, FIXED)).as("its first two chunks, on the prediction").isEqualTo(2);
        PassTracker.Boundary b = tracker.onCompleted(2, 390 * MS, 392 * MS, 25 * MS);
        assertThat(b.passes()).isEqualTo(3);
        assertThat(b.durationNanos()).as("from the observed end at 90 ms").isEqualTo(300 * MS);
        assertThat(b.maxTokens()).isEqualTo(2500);
    }

    @Test
    void onCompleted_afterAnIdleGap_measuresNothing() {
        firstPass();
        tracker.onCompleted(1, 90 * MS, 92 * MS, 25 * MS);
        // request 2 starts a pass of its own on arrival, a time only estimated
        tracker.send(0, 2, 400, 200 * MS, TAU);
        assertThat(tracker.onCompleted(2, 290 * MS, 292 * MS, 25 * MS).durationNanos()).isNegative();
    }

    @Test
    void onCompleted_siblingsOfOnePass_tellNothingNew() {
        firstPass();
        tracker.send(1, 2, 300, 0, TAU);
        assertThat(tracker.onCompleted(1, 90 * MS, 92 * MS, 25 * MS)).isNotNull();
        assertThat(tracker.onCompleted(2, 91 * MS, 93 * MS, 25 * MS)).isNull();
        assertThat(inst.passRunning()).isFalse();
    }

    @Test
    void onCompleted_aSiblingWhoseFirstTokenCameBackLate_leavesTheRunningPassAlone() {
        firstPass();
        tracker.send(1, 2, 300, 0, TAU);
        tracker.send(0, 3, 400, 10 * MS, TAU);
        tracker.onCompleted(1, 90 * MS, 92 * MS, 25 * MS);
        // request 2 ran in the same pass; its first token was relayed 80 ms late
        assertThat(tracker.onCompleted(2, 170 * MS, 172 * MS, 25 * MS)).isNull();
        assertThat(inst.passStartedNanos()).isEqualTo(90 * MS);
        assertThat(tracker.takeSum()).isEqualTo(400);
    }

    @Test
    void onCompleted_ofARequestTheEstimateHadForALaterPass_catchesUpToIt() {
        firstPass();
        tracker.send(0, 2, 400, 10 * MS, TAU);
        // request 2 came back first: the pass before it and its own both ended by then
        assertThat(tracker.onCompleted(2, 150 * MS, 152 * MS, 25 * MS)).isNotNull();
        assertThat(inst.passRunning()).isFalse();
        assertThat(unit(0).availableCapacity()).isEqualTo(1000);
        assertThat(tracker.onCompleted(1, 150 * MS, 152 * MS, 25 * MS)).as("done already").isNull();
    }

    @Test
    void onPush_bringsTheQueuesToTheEnginesAccount() {
        firstPass();
        tracker.send(1, 2, 200, 10 * MS, TAU);
        // the engine ran request 1, took request 2 and 500 tokens of another sender's into the next pass
        ForwardEndedEvent e = Fixtures.ended("p", 100 * MS, 98 * MS, new long[] {300, 0}, new long[] {300, 200},
                new long[] {0, 700}, new long[] {0, 0});
        assertThat(tracker.onPush(e, 100 * MS, 101 * MS, 25 * MS)).isTrue();
        assertThat(inst.passStartedNanos()).isEqualTo(100 * MS);
        assertThat(tracker.takeSum()).isEqualTo(700);
        assertThat(unit(0).availableCapacity()).isEqualTo(1000);
        assertThat(unit(1).availableCapacity()).isEqualTo(1000);
        assertThat(tracker.onPush(e, 50 * MS, 102 * MS, 25 * MS)).as("older than what was observed").isFalse();
    }

    /** A pass that ended at {@code endedAt} with {@code received} tokens reaching unit 0 and nothing left. */
    private static ForwardEndedEvent drained(long endedAt, long received) {
        return Fixtures.ended("p", endedAt, 16 * MS, new long[] {received, 0}, new long[] {received, 0},
                new long[2], new long[2]);
    }

    @Test
    void onPush_observedOnAStandby_leavesItsOwnNextDispatchOnItsWay() {
        // standing by, the node hears the engine take 800 tokens the leader sent
        assertThat(tracker.onPush(drained(50 * MS, 800), 50 * MS, 51 * MS, 25 * MS, false)).isTrue();
        // it has taken over: 300 tokens of its own, reaching the engine at 62 ms
        tracker.send(0, 1, 300, 60 * MS, TAU);
        // the engine's report of a pass that ended at 61 ms cannot hold them yet
        tracker.onPush(drained(61 * MS, 0), 61 * MS, 61 * MS, 25 * MS);
        assertThat(tracker.hasWork()).isTrue();
        assertThat(unit(0).startingPassTokens()).as("request 1 starts the next pass").isEqualTo(300);
    }

    @Test
    void onPush_reportingTokensAnotherSenderSent_doesNotCountThemForThisNodesLaterDispatches() {
        // a predecessor's last 800 tokens, reported to this node as leader
        tracker.onPush(drained(50 * MS, 800), 50 * MS, 51 * MS, 25 * MS);
        tracker.send(0, 1, 300, 60 * MS, TAU);
        tracker.onPush(drained(61 * MS, 0), 61 * MS, 61 * MS, 25 * MS);
        assertThat(tracker.hasWork()).isTrue();
        assertThat(unit(0).startingPassTokens()).isEqualTo(300);
    }

    @Test
    void onPolled_idle_finishesWhatHadArrived_andKeepsWhatWasStillOnItsWay() {
        firstPass();
        tracker.advance(150 * MS, FIXED);
        tracker.send(1, 2, 400, 150 * MS, TAU);
        assertThat(tracker.onPolled(UnitLoad.idle(2), 151 * MS, 153 * MS, 50 * MS, TAU)).isTrue();
        assertThat(inst.passRunning()).as("request 2 starts a pass of its own").isTrue();
        assertThat(inst.passStartedNanos()).isEqualTo(152 * MS);
        assertThat(tracker.takeSum()).isEqualTo(400);
    }

    @Test
    void onPolled_fewerWaitingRequestsThanEstimated_endsTheRunningPass() {
        firstPass();
        tracker.send(0, 2, 400, 10 * MS, TAU);
        tracker.send(0, 3, 400, 11 * MS, TAU);
        // at 60 ms the engine has nothing waiting: a pass that holds requests 2 and 3 has begun
        UnitLoad[] load = {new UnitLoad(2, 0, 0), new UnitLoad(0, 0, 0)};
        assertThat(tracker.onPolled(load, 60 * MS, 62 * MS, 50 * MS, TAU)).isTrue();
        assertThat(inst.passStartedNanos()).isEqualTo(35 * MS);
        assertThat(tracker.takeSum()).isEqualTo(800);
        assertThat(tracker.onPolled(new UnitLoad[] {new UnitLoad(1, 1, 400), new UnitLoad(0, 0, 0)}, 70 * MS, 72 * MS,
                50 * MS, TAU)).as("as estimated now").isFalse();
    }

    @Test
    void onCompleted_ofAPassWhoseEndWasOnlyEstimated_restartsTheRunningPassFromTheObservedEnd() {
        firstPass();
        tracker.send(0, 2, 400, 10 * MS, TAU);
        tracker.send(0, 3, 400, 11 * MS, TAU);
        tracker.onPolled(new UnitLoad[] {new UnitLoad(2, 0, 0), new UnitLoad(0, 0, 0)}, 60 * MS, 62 * MS, 50 * MS, TAU);
        assertThat(inst.passStartedNanos()).isEqualTo(35 * MS);
        // request 1's first token says its pass ended at 90 ms: the pass after it started then
        assertThat(tracker.onCompleted(1, 90 * MS, 92 * MS, 25 * MS)).isNotNull();
        assertThat(inst.passStartedNanos()).isEqualTo(90 * MS);
        assertThat(tracker.takeSum()).isEqualTo(800);
    }

    @Test
    void onPolled_moreQueuedThanEstimated_bringsTheLostWorkBack() {
        firstPass();
        // the engine reports 2500 tokens waiting on unit 0 that the estimate does not hold
        UnitLoad[] load = {new UnitLoad(1, 3, 2500), new UnitLoad(0, 0, 0)};
        assertThat(tracker.onPolled(load, 50 * MS, 52 * MS, 50 * MS, TAU)).isTrue();
        assertThat(unit(0).availableCapacity()).isEqualTo(1000 - 2500);
        assertThat(tracker.onPolled(load, 60 * MS, 62 * MS, 50 * MS, TAU)).as("held now").isFalse();
    }

    @Test
    void watchdogDeadline_waitsForTheFirstPassExpectedToFinishARequest() {
        // k_w · T̄ = 300 ms; a 2500-token prompt alone finishes at the end of its third pass, 302 ms
        tracker.send(0, 1, 2500, 0, TAU);
        assertThat(tracker.watchdogDeadline(3 * PASS, PASS, FIXED)).isEqualTo(302 * MS + 2 * PASS);
        tracker.send(1, 2, 300, 0, TAU);
        assertThat(tracker.watchdogDeadline(3 * PASS, PASS, FIXED)).as("request 2 is due at 102 ms")
                .isEqualTo(102 * MS + 2 * PASS);
    }

    @Test
    void onPolled_busy_isProgressForTheWatchdog() {
        firstPass();
        long before = tracker.watchdogDeadline(3 * PASS, PASS, FIXED);
        // the engine answers that it still runs request 1's pass: alive, whatever the estimate expected
        tracker.onPolled(new UnitLoad[] {new UnitLoad(1, 0, 0), new UnitLoad(0, 0, 0)}, 400 * MS, 402 * MS, 50 * MS, TAU);
        assertThat(tracker.watchdogDeadline(3 * PASS, PASS, FIXED)).isGreaterThan(before).isEqualTo(402 * MS + 3 * PASS);
    }

    @Test
    void abandon_dropsTheRequest_andAnEmptyPassWithIt() {
        firstPass();
        assertThat(tracker.abandon(1, 5 * MS)).isTrue();
        assertThat(inst.passRunning()).isFalse();
        assertThat(tracker.hasWork()).isFalse();
        assertThat(tracker.abandon(1, 5 * MS)).isFalse();
    }

    @Test
    void withdraw_inTheCycleThatSentIt_leavesAnIdleInstanceIdle() {
        firstPass();
        assertThat(tracker.withdraw(1, 0)).isTrue();
        assertThat(inst.passRunning()).isFalse();
        assertThat(unit(0).startingPassTokens()).isZero();
    }

    @Test
    void forget_dropsTheEstimate() {
        firstPass();
        tracker.send(0, 2, 400, 10 * MS, TAU);
        tracker.forget(400 * MS);
        assertThat(inst.passRunning()).isFalse();
        assertThat(unit(0).availableCapacity()).isEqualTo(1000);
        assertThat(tracker.onCompleted(1, 410 * MS, 412 * MS, 25 * MS)).as("no longer followed").isNull();
    }
}
