package io.sbs.bench.io;

import io.sbs.tools.ReportWriter;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.DoubleStream;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

/**
 * Charts of benchmark results, drawn by XChart without a display. The file name decides the format:
 * {@code .png} (bitmap) or {@code .svg} (vector, through XChart's own VectorGraphics2D dependency). Every
 * chart has a title, axis labels and a legend outside the plot area, so no series is hidden behind it;
 * series keep the iteration order of the map passed in.
 */
public final class Plots {

    static {
        // XChart draws with AWT; benchmarks run on servers and in CI without a display
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 560;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    private static final BasicStroke DASHED = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
            10, new float[] {6, 4}, 0);

    private Plots() {
    }

    /**
     * The spread of one policy's per-unit load over time: the p10–p90 band and the maximum at each sample.
     * All arrays have the same length.
     */
    public record Band(double[] times, double[] p10, double[] p90, double[] max) {

        public Band {
            if (p10.length != times.length || p90.length != times.length || max.length != times.length) {
                throw new IllegalArgumentException("band arrays differ in length: times " + times.length + ", p10 "
                        + p10.length + ", p90 " + p90.length + ", max " + max.length);
            }
        }
    }

    /** Lines with markers, one per series: name → {@code {xs, ys}}. */
    public static void lineChart(Path file, String title, String xLabel, String yLabel,
            Map<String, double[][]> series) {
        XYChart chart = xyChart(title, xLabel, yLabel);
        chart.getStyler().setMarkerSize(5);
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            double[][] xy = e.getValue();
            if (xy.length != 2 || xy[0].length != xy[1].length) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' needs {xs, ys} of equal length");
            }
            chart.addSeries(e.getKey(), xy[0], xy[1]);
        }
        groupThousands(chart.getStyler(), series.values().stream().map(xy -> xy[1]));
        save(chart, file);
    }

    /**
     * Per policy, a shaded p10–p90 band and a dashed line for the maximum, in one colour per policy:
     * policy name → its band over time.
     */
    public static void bandChart(Path file, String title, String xLabel, String yLabel, Map<String, Band> bands) {
        XYChart chart = xyChart(title, xLabel, yLabel);
        chart.getStyler().setMarkerSize(0);
        int i = 0;
        for (Map.Entry<String, Band> e : bands.entrySet()) {
            Color color = PALETTE[i++ % PALETTE.length];
            Band b = e.getValue();
            if (b.times().length == 0) {
                continue;
            }
            int n = b.times().length;
            // the band is a polygon: along p90 forwards, back along p10
            double[] xs = new double[2 * n];
            double[] ys = new double[2 * n];
            for (int k = 0; k < n; k++) {
                xs[k] = b.times()[k];
                ys[k] = b.p90()[k];
                xs[2 * n - 1 - k] = b.times()[k];
                ys[2 * n - 1 - k] = b.p10()[k];
            }
            XYSeries area = chart.addSeries(e.getKey() + " p10–p90", xs, ys);
            area.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
            area.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 70));
            area.setLineColor(color);
            area.setLineWidth(1f);
            XYSeries max = chart.addSeries(e.getKey() + " max", b.times(), b.max());
            max.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            max.setLineColor(color);
            max.setLineStyle(DASHED);
        }
        groupThousands(chart.getStyler(), bands.values().stream().flatMap(b -> Stream.of(b.p10(), b.p90(), b.max())));
        save(chart, file);
    }

    /** Grouped bars: categories on the x axis, one bar per series in each; series name → one value per category. */
    public static void barChart(Path file, String title, String xLabel, String yLabel, List<String> categories,
            Map<String, List<Double>> series) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setSeriesColors(PALETTE);
        chart.getStyler().setAntiAlias(true);
        chart.getStyler().setOverlapped(false);
        for (Map.Entry<String, List<Double>> e : series.entrySet()) {
            if (e.getValue().size() != categories.size()) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().size()
                        + " values for " + categories.size() + " categories");
            }
            chart.addSeries(e.getKey(), new ArrayList<>(categories), new ArrayList<Number>(e.getValue()));
        }
        groupThousands(chart.getStyler(), series.values().stream()
                .map(values -> values.stream().mapToDouble(Double::doubleValue).toArray()));
        save(chart, file);
    }

    /** {@link #barChart(Path, String, String, String, List, Map)} without an x-axis title. */
    public static void barChart(Path file, String title, String yLabel, List<String> categories,
            Map<String, List<Double>> series) {
        barChart(file, title, "", yLabel, categories, series);
    }

    private static XYChart xyChart(String title, String xLabel, String yLabel) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setSeriesColors(PALETTE);
        chart.getStyler().setAntiAlias(true);
        return chart;
    }

    /** Large values read better as 150,000 than as XChart's default 1.5E5. */
    private static void groupThousands(AxesChartStyler styler, Stream<double[]> ys) {
        double largest = ys.flatMapToDouble(DoubleStream::of).filter(Double::isFinite).map(Math::abs).max().orElse(0);
        if (largest >= 10_000) {
            styler.setYAxisDecimalPattern("#,##0");
        }
    }

    private static void save(Chart<?, ?> chart, Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean svg = name.endsWith(".svg");
        if (!svg && !name.endsWith(".png")) {
            throw new IllegalArgumentException("plot file must end in .png or .svg: " + file);
        }
        try {
            ReportWriter.createParent(file);
            try (OutputStream out = Files.newOutputStream(file)) {
                if (svg) {
                    VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
                } else {
                    BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
