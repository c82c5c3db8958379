package io.sbs.dashboard;

import io.sbs.control.PreviewResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PreviewResult} as the policies page shows it: what was replayed, then one row per figure with the
 * current and the proposed policy side by side and the change between them, formatted here so the
 * template only lays them out.
 *
 * @param source  what was replayed and on which simulated cluster
 * @param rows    the figures, current against proposed
 * @param notes   the preview's caveats for this result
 */
record PreviewTable(String source, List<Row> rows, List<String> notes) {

    /**
     * @param change the proposed value against the current one (a relative change, or "yes" / "no" turned),
     *               empty when they are equal or it means nothing
     * @param better whether the change is an improvement; null when neither
     */
    record Row(String label, String current, String proposed, String change, @Nullable Boolean better) {
    }

    static PreviewTable of(PreviewResult r) {
        PreviewResult.Projection c = r.current();
        PreviewResult.Projection p = r.proposed();
        List<Row> rows = new ArrayList<>();
        rows.add(ms("TTFT mean", c, p, PreviewResult.Projection::ttftMeanSeconds));
        rows.add(ms("TTFT p50", c, p, PreviewResult.Projection::ttftP50Seconds));
        rows.add(ms("TTFT p99", c, p, PreviewResult.Projection::ttftP99Seconds));
        rows.add(number("Requests per second", c, p, PreviewResult.Projection::requestsPerSecond, "%.2f", true));
        rows.add(number("Prompt tokens per second", c, p, PreviewResult.Projection::promptTokensPerSecond, "%,.0f", true));
        rows.add(percent("Chunk utilization", c, p, PreviewResult.Projection::chunkUtilization));
        rows.add(percent("Prefill busy", c, p, PreviewResult.Projection::busyFraction));
        rows.add(number("Completed", c, p, x -> x.completed(), "%,.0f", true));
        rows.add(number("Unfinished", c, p, x -> x.unfinished(), "%,.0f", false));
        rows.add(new Row("Saturated", c.saturated() ? "yes" : "no", p.saturated() ? "yes" : "no",
                c.saturated() == p.saturated() ? "" : p.saturated() ? "turns saturated" : "no longer saturated",
                c.saturated() == p.saturated() ? null : !p.saturated()));
        PreviewResult.SimulatedCluster cluster = r.cluster();
        String source = String.format(Locale.ROOT, "%s: %,d requests over %.0f s (%.2f per second%s), on %d prefill "
                + "instances of %d DP units (C_max %,d) with the %s profile's timing; seed %d, %.1f s to compute",
                r.source().equals("recorded") ? "the traffic recorded on this node" : "trace " + r.source(),
                r.requests(), r.trafficSeconds(), r.offeredPerSecond(),
                r.timeScale() == 1 ? "" : String.format(Locale.ROOT, ", replayed %s times faster", trim(r.timeScale())),
                cluster.instances(), cluster.dpUnits(), cluster.chunkTokens(), cluster.profile(), r.seed(),
                r.wallSeconds());
        return new PreviewTable(source, rows, r.notes());
    }

    private static Row ms(String label, PreviewResult.Projection c, PreviewResult.Projection p,
            ToDoubleFunction<PreviewResult.Projection> seconds) {
        return number(label, c, p, x -> seconds.applyAsDouble(x) * 1000, "%,.0f ms", false);
    }

    private static Row percent(String label, PreviewResult.Projection c, PreviewResult.Projection p,
            ToDoubleFunction<PreviewResult.Projection> fraction) {
        return number(label, c, p, x -> fraction.applyAsDouble(x) * 100, "%.1f %%", true);
    }

    /** @param higherIsBetter whether a larger proposed value is an improvement */
    private static Row number(String label, PreviewResult.Projection c, PreviewResult.Projection p,
            ToDoubleFunction<PreviewResult.Projection> value, String format, boolean higherIsBetter) {
        double before = value.applyAsDouble(c);
        double after = value.applyAsDouble(p);
        String change = "";
        Boolean better = null;
        if (Double.isFinite(before) && Double.isFinite(after) && before != after) {
            change = before == 0 ? "new" : String.format(Locale.ROOT, "%+.1f %%", (after - before) / Math.abs(before) * 100);
            better = (after > before) == higherIsBetter;
        }
        return new Row(label, show(format, before), show(format, after), change, better);
    }

    private static String show(String format, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "n/a";
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
