package io.sbs.control;

import io.sbs.state.Leadership;

/** A change was asked of a node that does not lead: the admin API answers 409 with the leader's identity. */
public final class NotLeaderException extends RuntimeException {

    private final Leadership.Status status;

    public NotLeaderException(Leadership.Status status) {
        super(status.leaderId() == null ? "this node (" + status.nodeId() + ") is standby and no leader is known"
                : "this node (" + status.nodeId() + ") is standby; the leader is " + status.leaderId()
                        + " at epoch " + status.epoch());
        this.status = status;
    }

    public Leadership.Status status() {
        return status;
    }
}
