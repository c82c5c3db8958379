package io.sbs.state;

/** Who writes shared state: the node and the lease epoch it was elected with. */
public record Fence(String nodeId, long epoch) {
}
