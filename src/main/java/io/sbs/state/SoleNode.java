package io.sbs.state;

/**
 * The embedded default's leadership: one node, nothing shared, so it always leads, at epoch 1, and a
 * fenced write (which the in-memory store never reports) changes nothing.
 */
public final class SoleNode implements Leadership {

    private final String nodeId;

    public SoleNode(String nodeId) {
        this.nodeId = nodeId;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public boolean isLeader() {
        return true;
    }

    @Override
    public Status status() {
        return new Status(nodeId, true, 1, nodeId);
    }

    @Override
    public void fenced() {
        // nobody else can lead: the in-memory store has no lease to lose
    }
}
