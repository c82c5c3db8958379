package io.sbs.sim;

/** Small profiles for fast simulator tests. */
final class SimProfiles {

    private SimProfiles() {
    }

    /** Three prefill instances of DP8, chunk 3072 per unit, fixed- and straggler-dominated passes. */
    static EngineProfile small() {
        return new EngineProfile("test", "",
                new EngineProfile.Prefill(3, 8, 3072, EngineProfile.ChunkSemantics.PER_UNIT, 50, 0.05, 0.001, 0, 0.05,
                        0, 512),
                new EngineProfile.Decode(1, 8, 160_000, 10, 0.25, 0.1, 0.005, 0.03),
                new EngineProfile.Network(2, 2, 5));
    }
}
