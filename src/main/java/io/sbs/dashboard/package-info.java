/**
 * The operator dashboard: server-rendered Thymeleaf pages under {@code /dashboard} (overview, DP load, IQR
 * bands, interval tuning, policies) and the server-sent event stream that keeps them live. It reads the
 * loop through its {@link io.sbs.loop.LoopSnapshot}, request figures from the Micrometer meters, the leader
 * from {@link io.sbs.state.Leadership}, and changes the policy only through
 * {@link io.sbs.control.PolicyService}, so the dashboard is one more client of the control plane, with no
 * path of its own into the loop or the store. Who may see and change what is decided by
 * {@code io.sbs.security}; scripts and styles are in {@code frontend/}, the charts are Apache ECharts.
 */
@NullMarked
package io.sbs.dashboard;

import org.jspecify.annotations.NullMarked;
