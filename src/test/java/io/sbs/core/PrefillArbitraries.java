package io.sbs.core;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * Random prefill clusters and windows for the allocator properties: 1-64 units with {@code C_max} in
 * 256-16384 (one for the whole cluster, or one per unit), each idle, partly loaded, exactly full or
 * overcommitted (in-flight plus backlog beyond {@code C_max}); windows of 0-300 requests of 1-70000
 * tokens, split into carried-over (arrival order) and fresh (any order).
 */
final class PrefillArbitraries {

    /** jqwik favours short lists by default; allocation bugs need long windows on wide clusters too. */
    static final RandomDistribution UNIFORM = RandomDistribution.uniform();

    private PrefillArbitraries() {
    }

    /**
     * One generated unit.
     *
     * @param cachedFamily prefix family whose leading {@code cachedBlocks} blocks the unit holds
     */
    record UnitSpec(int chunk, int inflight, long backlog, int cachedFamily, int cachedBlocks) {
    }

    record Cluster(List<UnitSpec> units) {

        List<DpUnitState> build() {
            List<DpUnitState> out = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) {
                UnitSpec s = units.get(i);
                DpUnitState u = new DpUnitState(new DpUnitId("p" + (i / 8), i % 8), Phase.PREFILL, s.chunk(),
                        Long.MAX_VALUE, 4_096);
                if (s.inflight() > 0) {
                    Fixtures.sent(u, s.inflight());
                }
                Fixtures.backlog(u, s.backlog());
                u.rememberBlocks(blocks(s.cachedFamily(), s.cachedBlocks(), 0));
                out.add(u);
            }
            return out;
        }
    }

    /** The carried-over requests (arrival order) and the fresh ones of one dispatch cycle. */
    record Window(List<InferenceRequest> carried, List<InferenceRequest> fresh) {

        int size() {
            return carried.size() + fresh.size();
        }
    }

    /**
     * Block hashes: {@code shared} leading blocks of prefix family {@code family}, then blocks unique to
     * {@code salt}, {@code n} in all.
     */
    static long[] blocks(int family, int n, long salt, int shared) {
        long[] b = new long[n];
        for (int i = 0; i < n; i++) {
            b[i] = i < shared ? family * 1_000_000L + i : -(salt * 1_000_000L + i) - 1;
        }
        return b;
    }

    static long[] blocks(int family, int n, long salt) {
        return blocks(family, n, salt, n);
    }

    /** Clusters whose units share one {@code C_max}, and clusters with one per unit. */
    static Arbitrary<Cluster> clusters() {
        return Arbitraries.oneOf(uniformChunkClusters(), mixedChunkClusters());
    }

    static Arbitrary<Cluster> uniformChunkClusters() {
        return chunk().flatMap(c -> unit(Arbitraries.just(c)).list().ofMinSize(1).ofMaxSize(64)
                .withSizeDistribution(UNIFORM)).map(Cluster::new);
    }

    static Arbitrary<Cluster> mixedChunkClusters() {
        return unit(chunk()).list().ofMinSize(1).ofMaxSize(64).withSizeDistribution(UNIFORM).map(Cluster::new);
    }

    private static Arbitrary<Integer> chunk() {
        return Arbitraries.oneOf(Arbitraries.integers().between(256, 16_384), Arbitraries.of(256, 1_024, 3_072, 16_384));
    }

    private static Arbitrary<UnitSpec> unit(Arbitrary<Integer> chunk) {
        Arbitrary<Integer> family = Arbitraries.integers().between(0, 3);
        Arbitrary<Integer> cached = Arbitraries.integers().between(0, 40);
        return Combinators.combine(chunk, Arbitraries.doubles().between(0, 1), Arbitraries.doubles().between(0, 1),
                Arbitraries.integers().between(0, 9), family, cached).as((c, f1, f2, mode, fam, n) -> switch (mode) {
                    // idle: the whole chunk is open
                    case 0, 1, 2 -> new UnitSpec(c, 0, 0, fam, n);
                    // exactly full
                    case 3 -> new UnitSpec(c, c, 0, fam, n);
                    // overcommitted: a long prompt spans passes, C_avail < 0
                    case 4 -> new UnitSpec(c, (int) (c * (1 + 2 * f1)), (long) (c * f2), fam, n);
                    // partly loaded
                    default -> new UnitSpec(c, (int) (c * f1 * 0.8), (long) (c * f2 * 0.2), fam, n);
                });
    }

    /** Windows without block hashes. */
    static Arbitrary<Window> windows() {
        return windows(0);
    }

    /**
     * Windows of 0-300 requests; with {@code blockTokens > 0} each prompt carries block hashes, its leading
     * blocks shared with one of the families the units may hold.
     */
    static Arbitrary<Window> windows(int blockTokens) {
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.integers().between(1, 4_096)),
                Tuple.of(2, Arbitraries.integers().between(4_096, 70_000)),
                Tuple.of(2, Arbitraries.of(512, 1_000, 2_048, 3_072)),
                Tuple.of(1, Arbitraries.of(1, 256, 16_384, 70_000)));
        Arbitrary<int[]> spec = Combinators.combine(length, Arbitraries.integers().between(0, 50),
                Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 60))
                .as((len, arrival, family, shared) -> new int[] {len, arrival, family, shared});
        return Combinators.combine(spec.list().ofMaxSize(100).withSizeDistribution(UNIFORM),
                spec.list().ofMaxSize(200).withSizeDistribution(UNIFORM)).as((c, f) -> {
            long id = 0;
            List<InferenceRequest> carried = new ArrayList<>();
            for (int[] s : c) {
                // carried-over requests arrived before this window, in the order given
                carried.add(request(id, s, id - 1_000, blockTokens));
                id++;
            }
            List<InferenceRequest> fresh = new ArrayList<>();
            for (int[] s : f) {
                // few distinct stamps, so the arrival and id tie-breaks matter
                fresh.add(request(id, s, s[1], blockTokens));
                id++;
            }
            return new Window(carried, fresh);
        });
    }

    private static InferenceRequest request(long id, int[] s, long arrival, int blockTokens) {
        long[] hashes = new long[0];
        if (blockTokens > 0) {
            int n = Math.min(s[0] / blockTokens, 200);
            hashes = blocks(s[2], n, id, Math.min(n, s[3]));
        }
        return new InferenceRequest(id, s[0], 10, arrival, hashes);
    }
}
