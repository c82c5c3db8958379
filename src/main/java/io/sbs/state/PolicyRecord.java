package io.sbs.state;

import io.sbs.core.SchedulingPolicy;

/**
 * One version of the active scheduling policy, as stored and audited.
 *
 * @param version      1 for the first policy stored, then one more per replacement
 * @param actor        who replaced it (an operator, or {@code startup})
 * @param changedAtMs  wall-clock time of the change, epoch milliseconds (for the audit trail only)
 * @param epoch        the leader epoch the change was made at
 */
public record PolicyRecord(SchedulingPolicy policy, long version, String actor, long changedAtMs, long epoch) {
}
