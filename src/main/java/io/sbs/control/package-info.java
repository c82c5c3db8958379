/**
 * The control plane between the shared state and the dispatch loop: which node leads
 * ({@link io.sbs.state.Leadership}), the store it writes ({@link io.sbs.state.ClusterStateStore}), and the
 * services that keep the loop in step with that store, such as {@link io.sbs.control.PolicyService}. The
 * admin API and the dashboard go through these services rather than to the store or the loop directly, so
 * that a standby refuses changes in one place and a change reaches the loop in one way. The policy preview
 * lives here too ({@link io.sbs.control.TrafficRecorder}, {@link io.sbs.control.PolicyPreview}): it records
 * what the loop accepts and replays it through the simulator, so an operator sees what a change would do
 * before making it.
 */
@NullMarked
package io.sbs.control;

import org.jspecify.annotations.NullMarked;
