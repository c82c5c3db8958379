package io.sbs.bench.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.bench.http.HttpBench.PathResult;
import io.sbs.bench.http.HttpBench.Route;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The http bench's report: the floor beside the dispatcher, and the figures a missing baseline cannot give left out. */
class HttpReportTest {

    private static PathResult path(Route route, String name, double closedRps, long latencyNanos) {
        long[] latencies = new long[100];
        java.util.Arrays.fill(latencies, latencyNanos);
        LoadGenerator.Run open = new LoadGenerator.Run(100, 100, Map.of(200, 100L), 0, 1, latencies);
        LoadGenerator.Run closed = new LoadGenerator.Run((long) closedRps, (long) closedRps, Map.of(200, (long) closedRps),
                0, 1, new long[0]);
        return new PathResult(route, name, open, LatencyStats.ofNanos(latencies), closed, List.of(50L, 50L),
                new HttpBench.Cpu(100, 0.5, 0.1));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static HttpBench.Options options(EnumSet<Route> paths) {
        return new HttpBench.Options(Path.of("x"), 100, 1, 4, 1, 0, 2, List.of("round-robin"), null, List.of(), paths);
    }

    @Test
    void allFourPaths_theFloorHasItsRatioToNginxAndAims_besideTheDispatcher() {
        List<PathResult> results = List.of(path(Route.DIRECT, "direct", 20_000, 100_000),
                path(Route.NGINX, "nginx", 10_000, 300_000), path(Route.NETTY, "reactor-netty proxy", 8_000, 400_000),
                path(Route.DISPATCHER, "dispatcher round-robin", 5_000, 900_000));
        HttpReport report = new HttpReport(options(EnumSet.allOf(Route.class)), results, "nginx/1", 1);

        Map<String, Object> summary = report.summary();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> closed = (Map<String, Map<String, Object>>) summary.get("closed_loop");
        assertThat(closed.get("reactor-netty-proxy")).containsEntry("ratio_to_nginx", 0.8)
                .containsEntry("cpu_us_per_request", 100.0);
        assertThat(map(summary.get("goals"))).containsOnlyKeys("reactor-netty-proxy", "dispatcher-round-robin");
        assertThat(report.markdown()).contains("| reactor-netty proxy |", "the floor");
    }

    @Test
    void withoutDirectAndNginx_noAddedLatencyRatioOrAims() {
        List<PathResult> results = List.of(path(Route.NETTY, "reactor-netty proxy", 8_000, 400_000));
        HttpReport report = new HttpReport(options(EnumSet.of(Route.NETTY)), results, null, 1);

        Map<String, Object> summary = report.summary();
        assertThat(map(summary.get("goals"))).isEmpty();
        assertThat(map(map(summary.get("closed_loop")).get("reactor-netty-proxy"))).doesNotContainKey("ratio_to_nginx");
        assertThat(report.markdown()).doesNotContain("## Aims");
    }

    @Test
    void routes_byTheirTags() {
        assertThat(Route.of("netty")).isEqualTo(Route.NETTY);
        assertThatThrownBy(() -> Route.of("haproxy")).hasMessageContaining("direct, nginx, netty, dispatcher");
    }
}
