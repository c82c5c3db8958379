package io.sbs.engine;

import java.util.Comparator;
import java.util.List;

/** An instance's load report: one entry per DP rank, in rank order. */
public record EngineLoad(List<RankLoad> ranks) {

    public EngineLoad {
        ranks = ranks.stream().sorted(Comparator.comparingInt(RankLoad::dpRank)).toList();
    }

    /** The core's quiescence signal: no rank has anything running or waiting. */
    public boolean idle() {
        return ranks.stream().allMatch(RankLoad::idle);
    }
}
