/**
 * The control plane between the shared state and the dispatch loop: which node leads
 * ({@link io.sbs.state.Leadership}), the store it writes ({@link io.sbs.state.ClusterStateStore}), and the
 * services that keep the loop in step with that store, such as {@link io.sbs.control.PolicyService}. The
 * admin API and the dashboard go through these services rather than to the store or the loop directly, so
 * that a standby refuses changes in one place and a change reaches the loop in one way.
 */
@NullMarked
package io.sbs.control;

import org.jspecify.annotations.NullMarked;
