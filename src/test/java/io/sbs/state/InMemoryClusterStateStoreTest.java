package io.sbs.state;

class InMemoryClusterStateStoreTest extends ClusterStateStoreContract {

    private final InMemoryClusterStateStore store = new InMemoryClusterStateStore(CLOCK);

    @Override
    ClusterStateStore store() {
        return store;
    }

    @Override
    Fence fence() {
        return new Fence("only-node", 1);
    }
}
