package io.sbs.state;

/**
 * This node's part in active-standby scheduling, as the service asks it: may it decide and write shared
 * state now, and with which {@link Fence}. {@link LeaderElection} competes for the Redis lease;
 * {@link SoleNode} is the embedded default's single node, always leader.
 */
public interface Leadership extends AutoCloseable {

    /** This node's view: whether it leads, at which epoch, and who leads (null when unknown). */
    record Status(String nodeId, boolean leader, long epoch, String leaderId) {
    }

    String nodeId();

    /** Whether this node may act as leader now. */
    boolean isLeader();

    Status status();

    /** What this node's writes to shared state carry: its id and the epoch it last held the lease at. */
    default Fence fence() {
        return new Fence(nodeId(), status().epoch());
    }

    /** A write was fenced: another node leads now. Demotes at once. */
    void fenced();

    /** Writes of this node that the store refused as fenced, since start. */
    default long fencedWrites() {
        return 0;
    }

    /** Stops competing for leadership, giving the lease up when holding it. */
    @Override
    default void close() {
    }
}
