package io.sbs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.core.PolicyRegistry;
import io.sbs.core.SchedulingPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** What every {@link ClusterStateStore} must do; subclasses supply the store and a fence that holds. */
abstract class ClusterStateStoreContract {

    static final Duration WAIT = Duration.ofSeconds(5);
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);

    abstract ClusterStateStore store();

    /** A fence the store accepts (for Redis: the lease holder at its epoch). */
    abstract Fence fence();

    @Test
    void noPolicyYet_isEmpty() {
        assertThat(store().currentPolicy().blockOptional(WAIT)).isEmpty();
        assertThat(store().policyHistory(10).collectList().block(WAIT)).isEmpty();
    }

    @Test
    void replacements_countVersions_andTheWholePolicyRoundTrips() {
        SchedulingPolicy tuned = SchedulingPolicy.defaults(PolicyRegistry.SBS).toBuilder()
                .pinnedInterval(Duration.ofMillis(37)).watchdogFactor(4.5).iqrKappa(1.25).build();
        PolicyRecord first = store().replacePolicy(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN), 0, "startup", fence())
                .block(WAIT);
        assertThat(first.version()).isEqualTo(1);
        PolicyRecord second = store().replacePolicy(tuned, 1, "alice", fence()).block(WAIT);
        assertThat(second).isEqualTo(new PolicyRecord(tuned, 2, "alice", CLOCK.millis(), fence().epoch()));
        assertThat(store().currentPolicy().block(WAIT)).isEqualTo(second);
    }

    @Test
    void aStaleVersion_isAConflict_andChangesNothing() {
        store().replacePolicy(SchedulingPolicy.defaults(PolicyRegistry.SBS), 0, "startup", fence()).block(WAIT);
        assertThatThrownBy(() -> store().replacePolicy(SchedulingPolicy.defaults(PolicyRegistry.ROUND_ROBIN), 0, "bob",
                fence()).block(WAIT)).isInstanceOfSatisfying(VersionConflictException.class,
                        e -> assertThat(e.currentVersion()).isEqualTo(1));
        assertThat(store().currentPolicy().block(WAIT).policy().name()).isEqualTo(PolicyRegistry.SBS);
        assertThat(store().policyHistory(10).collectList().block(WAIT)).hasSize(1);
    }

    @Test
    void history_isNewestFirst_andLimited() {
        String[] names = {PolicyRegistry.SBS, PolicyRegistry.ROUND_ROBIN, PolicyRegistry.POWER_OF_TWO};
        for (int i = 0; i < names.length; i++) {
            store().replacePolicy(SchedulingPolicy.defaults(names[i]), i, "op-" + i, fence()).block(WAIT);
        }
        assertThat(store().policyHistory(2).collectList().block(WAIT))
                .extracting(r -> r.policy().name() + "@" + r.version() + " by " + r.actor())
                .containsExactly("power-of-two@3 by op-2", "round-robin@2 by op-1");
    }

    private static AcceptedRequest request(String id) {
        return new AcceptedRequest(id, "node-b", "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\""
                + id + "\"}]}", 7, 16, CLOCK.millis());
    }

    private static Fence at(Fence f, long epoch) {
        return new Fence(f.nodeId(), epoch);
    }

    @Test
    void accepted_keepTheirPrefixBlockHashes() {
        AcceptedRequest hashed = new AcceptedRequest("h1", "node-b", "/v1/completions", "{\"prompt\":[1,2,3]}", 3, 16,
                CLOCK.millis(), new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE});
        store().accept(hashed).block(WAIT);
        var claimed = store().claimAccepted(fence(), "-", 10).collectList().block(WAIT);
        assertThat(claimed).extracting(AcceptedRequest.Entry::request).containsExactly(hashed);
        assertThat(claimed.get(0).request().blockHashes()).containsExactly(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE);
    }

    @Test
    void accepted_areClaimedInOrder_oncePerEpoch_andLeaveWhenFinished() {
        for (String id : new String[] {"r1", "r2", "r3"}) {
            assertThat(store().accept(request(id)).block(WAIT)).isNotBlank();
        }
        var first = store().claimAccepted(fence(), "-", 2).collectList().block(WAIT);
        assertThat(first).extracting(e -> e.request().requestId()).containsExactly("r1", "r2");
        assertThat(first.get(0).request()).isEqualTo(request("r1"));
        // from the start again at the same epoch: only what is left unclaimed
        assertThat(store().claimAccepted(fence(), "-", 10).collectList().block(WAIT))
                .extracting(e -> e.request().requestId()).containsExactly("r3");
        assertThat(store().claimAccepted(fence(), "-", 10).collectList().block(WAIT)).isEmpty();
        assertThat(store().finishAccepted(fence(), first.get(0).entryId()).block(WAIT)).isTrue();
        assertThat(store().finishAccepted(fence(), first.get(0).entryId()).block(WAIT)).isFalse();
        assertThat(store().acceptedCount().block(WAIT)).isEqualTo(2);
    }

    @Test
    void accepted_cursorSkipsWhatWasAlreadyRead() {
        store().accept(request("r1")).block(WAIT);
        store().accept(request("r2")).block(WAIT);
        var one = store().claimAccepted(fence(), "-", 1).blockFirst(WAIT);
        store().accept(request("r3")).block(WAIT);
        assertThat(store().claimAccepted(fence(), one.entryId(), 10).collectList().block(WAIT))
                .extracting(e -> e.request().requestId()).containsExactly("r2", "r3");
    }

    @Test
    void anAssignment_isStoredWithItsEntry_publishedToTheAcceptingNode_andLeavesWithTheRelease() {
        String entry = store().accept(request("r1")).block(WAIT);
        var heard = store().assignments("node-b").next().toFuture();
        var elsewhere = store().assignments("node-c").next().toFuture();
        // the subscription must be in place before the publish, as the service's is from its start
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(store().assign(fence(), entry, "node-b", entry + " 1 prefill-0 3").block(WAIT)).isTrue();
            assertThat(heard).isCompleted();
        });
        assertThat(heard.join()).isEqualTo(entry + " 1 prefill-0 3");
        assertThat(elsewhere).isNotDone();
        assertThat(store().assignment(entry).block(WAIT)).isEqualTo(entry + " 1 prefill-0 3");
        assertThat(store().peekAccepted("-", 10).collectList().block(WAIT)).extracting(e -> e.request().requestId())
                .containsExactly("r1");
        assertThat(store().release(entry).block(WAIT)).isTrue();
        assertThat(store().release(entry).block(WAIT)).isFalse();
        assertThat(store().assignment(entry).blockOptional(WAIT)).isEmpty();
        assertThat(store().acceptedCount().block(WAIT)).isZero();
        // a released entry gets no assignment: its client has left
        assertThat(store().assign(fence(), entry, "node-b", entry + " 1 prefill-0 3").block(WAIT)).isFalse();
        assertThat(store().assignment(entry).blockOptional(WAIT)).isEmpty();
    }

    @Test
    void noticesReachTheLeader_andHeartbeatsExpire() {
        var notice = store().leaderNotices().next().toFuture();
        await().atMost(WAIT).untilAsserted(() -> {
            store().noticeLeader("accepted").block(WAIT);
            assertThat(notice).isCompleted();
        });
        assertThat(notice.join()).isEqualTo("accepted");
        assertThat(store().alive("node-b").block(WAIT)).isFalse();
        store().heartbeat("node-b", Duration.ofMillis(300)).block(WAIT);
        assertThat(store().alive("node-b").block(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> !store().alive("node-b").block(WAIT));
    }

    static final OperatorState.Instance EXTRA = new OperatorState.Instance("prefill-9", "http://127.0.0.1:30009",
            "sglang", "prefill", 2, 512, Long.MAX_VALUE, 8998);

    @Test
    void operatorState_isVersioned_audited_andRoundTripsWhole() {
        assertThat(store().operatorState().blockOptional(WAIT)).isEmpty();
        OperatorState first = store().replaceOperatorState(OperatorState.NONE.register(EXTRA, "alice"), 0, fence())
                .block(WAIT);
        OperatorState second = store().replaceOperatorState(first.drain("prefill-0", true, "bob")
                .remove("prefill-1", "bob"), 1, fence()).block(WAIT);

        assertThat(second).isEqualTo(new OperatorState(2, java.util.List.of(EXTRA), java.util.List.of("prefill-1"),
                java.util.List.of("prefill-0"), "bob", OperatorState.Action.REMOVE, "prefill-1", CLOCK.millis(),
                fence().epoch()));
        assertThat(store().operatorState().block(WAIT)).isEqualTo(second);
        assertThat(store().operatorHistory(10).collectList().block(WAIT)).containsExactly(second, first);
        assertThat(store().operatorHistory(1).collectList().block(WAIT)).containsExactly(second);
    }

    @Test
    void operatorState_aStaleVersion_isAConflict_andChangesNothing() {
        store().replaceOperatorState(OperatorState.NONE.register(EXTRA, "alice"), 0, fence()).block(WAIT);
        assertThatThrownBy(() -> store().replaceOperatorState(OperatorState.NONE.remove("prefill-0", "bob"), 0,
                fence()).block(WAIT)).isInstanceOfSatisfying(VersionConflictException.class,
                        e -> assertThat(e.currentVersion()).isEqualTo(1));
        assertThat(store().operatorState().block(WAIT).registered()).containsExactly(EXTRA);
        assertThat(store().operatorHistory(10).collectList().block(WAIT)).hasSize(1);
    }
}
