package io.sbs.core;

/**
 * A load poll of an instance: each DP unit's running and waiting requests as the engine reported them.
 *
 * @param sampledAtNanos when the poll was sent, on the caller's clock (the engine's view is at most the
 *                       poll's round trip younger)
 * @param periodNanos    how often the caller polls this instance (0 when unknown): a pass that began since
 *                       the previous poll began on average half a period before this one
 * @param units          one entry per DP rank, in rank order; owned by the event
 */
public record LoadPolledEvent(String instanceId, long sampledAtNanos, long periodNanos, UnitLoad[] units) {
}
