package io.sbs.dashboard;

import io.micrometer.core.instrument.MeterRegistry;
import io.sbs.control.ClusterView;
import io.sbs.control.DegradedMode;
import io.sbs.control.PolicyService;
import io.sbs.control.ReadinessWindow;
import io.sbs.loop.DispatchLoop;
import io.sbs.state.Leadership;
import io.sbs.state.StateShutdown;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The dashboard's live feed; its pages are the controllers of this package. */
@Configuration(proxyBeanMethods = false)
class DashboardConfiguration {

    /** A frame a second: the loop's snapshot is refreshed as often, so a faster feed would repeat it. */
    static final Duration PERIOD = Duration.ofSeconds(1);
    /** Ten minutes of history for the charts over time. */
    static final int HISTORY = 600;
    /** QPS and TTFT percentiles over the last 30 s: a few hundred requests at the demo load's rate. */
    static final Duration REQUEST_WINDOW = Duration.ofSeconds(30);

    /** The feed reads the leader's view from the shared state: it stops before the state's users do. */
    @Bean
    StateShutdown dashboardFeedShutdown(DashboardFeed feed) {
        return new StateShutdown(StateShutdown.READERS, List.of(feed));
    }

    @Bean(destroyMethod = "close")
    DashboardFeed dashboardFeed(DispatchLoop loop, ClusterView view, PolicyService policies, Leadership leadership,
            DegradedMode degradedMode, MeterRegistry registry, ReadinessWindow readiness) {
        return new DashboardFeed(loop, view, policies, leadership, degradedMode::degraded,
                new RequestWindow(registry, REQUEST_WINDOW, System::nanoTime), readiness, Clock.systemUTC(), PERIOD,
                HISTORY);
    }
}
