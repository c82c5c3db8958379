package io.sbs.core;

import static io.sbs.core.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class PowerOfTwoChoicesPolicyTest {

    private final ClusterState cluster = Fixtures.prefillCluster(2, 2, 1000);

    private void load(int p00, int p01, int p10, int p11) {
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 0)), p00);
        Fixtures.sent(cluster.unit(new DpUnitId("p0", 1)), p01);
        Fixtures.sent(cluster.unit(new DpUnitId("p1", 0)), p10);
        Fixtures.sent(cluster.unit(new DpUnitId("p1", 1)), p11);
    }

    /** A generator whose {@code nextInt(bound)} answers from a script, to name the two draws. */
    private static RandomGenerator scripted(int... draws) {
        Iterator<Integer> it = java.util.Arrays.stream(draws).iterator();
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new AssertionError("only nextInt(bound) is expected");
            }

            @Override
            public int nextInt(int bound) {
                int v = it.next();
                assertThat(v).isLessThan(bound);
                return v;
            }
        };
    }

    private Map<String, Integer> counts(RandomGenerator random, int n) {
        PowerOfTwoChoicesPolicy p2c = new PowerOfTwoChoicesPolicy(random);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(String.valueOf(p2c.route(request(i, 10), cluster, 0)), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void route_picksTheLesserLoadedOfTheTwoDrawnUnits() {
        load(400, 300, 200, 100);
        // draws: unit 0, then unit 2 of the remaining three (index 2 >= 0, so unit 3)
        assertThat(new PowerOfTwoChoicesPolicy(scripted(0, 2)).route(request(1, 10), cluster, 0))
                .isEqualTo(new DpUnitId("p1", 1));
        // draws: unit 2, then unit 1 (1 < 2 stays 1)
        assertThat(new PowerOfTwoChoicesPolicy(scripted(2, 1)).route(request(1, 10), cluster, 0))
                .isEqualTo(new DpUnitId("p1", 0));
        // draws: unit 1, then unit 0
        assertThat(new PowerOfTwoChoicesPolicy(scripted(1, 0)).route(request(1, 10), cluster, 0))
                .isEqualTo(new DpUnitId("p0", 1));
    }

    @Test
    void route_twoUnits_alwaysTheLesser_soTheTwoDrawsAreDistinct() {
        ClusterState two = Fixtures.prefillCluster(1, 2, 1000);
        Fixtures.sent(two.unit(new DpUnitId("p0", 0)), 500);
        PowerOfTwoChoicesPolicy p2c = new PowerOfTwoChoicesPolicy(new SplittableRandom(42));
        for (int i = 0; i < 200; i++) {
            assertThat(p2c.route(request(i, 10), two, 0)).isEqualTo(new DpUnitId("p0", 1));
        }
    }

    @Test
    void route_seeded_neverPicksTheMostLoaded_andTheLeastLoadedInAboutHalfTheRoutes() {
        load(400, 300, 200, 100);
        Map<String, Integer> counts = counts(new SplittableRandom(7), 3_000);
        assertThat(counts).doesNotContainKey("p0/0");
        // 3 of the 6 pairs hold p1/1, 2 hold p1/0 without it, 1 holds p0/1 with p0/0
        assertThat(counts.get("p1/1")).isBetween(1_350, 1_650);
        assertThat(counts.get("p1/0")).isBetween(850, 1_150);
        assertThat(counts.get("p0/1")).isBetween(380, 620);
    }

    @Test
    void route_sameSeed_sameChoices() {
        load(400, 300, 200, 100);
        for (RandomGenerator[] pair : List.of(new RandomGenerator[] {new Random(3), new Random(3)},
                new RandomGenerator[] {new SplittableRandom(3), new SplittableRandom(3)})) {
            PowerOfTwoChoicesPolicy a = new PowerOfTwoChoicesPolicy(pair[0]);
            PowerOfTwoChoicesPolicy b = new PowerOfTwoChoicesPolicy(pair[1]);
            List<DpUnitId> first = new ArrayList<>();
            List<DpUnitId> second = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                first.add(a.route(request(i, 10), cluster, 0));
                second.add(b.route(request(i, 10), cluster, 0));
            }
            assertThat(second).isEqualTo(first);
            assertThat(first).contains(new DpUnitId("p1", 1)).doesNotContain(new DpUnitId("p0", 0));
        }
    }

    @Test
    void route_singleUnit_isThatUnit_withoutDrawing() {
        ClusterState one = Fixtures.prefillCluster(1, 1, 1000);
        assertThat(new PowerOfTwoChoicesPolicy(scripted()).route(request(1, 10), one, 0)).isEqualTo(new DpUnitId("p0", 0));
    }

    @Test
    void route_noCandidate_returnsNull() {
        cluster.instance("p0").draining(true);
        cluster.instance("p1").draining(true);
        assertThat(new PowerOfTwoChoicesPolicy(scripted()).route(request(1, 10), cluster, 0)).isNull();
    }
}
