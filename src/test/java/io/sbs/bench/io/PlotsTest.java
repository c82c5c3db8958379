package io.sbs.bench.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static void assertPng(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes.length).isGreaterThan(5_000);
        assertThat(Arrays.copyOf(bytes, 8)).isEqualTo(PNG_MAGIC);
    }

    private static Map<String, double[][]> twoSeries() {
        Map<String, double[][]> series = new LinkedHashMap<>();
        series.put("immediate", new double[][] {{0.4, 0.6, 0.8, 1.0}, {0.9, 1.1, 1.6, 2.9}});
        series.put("sbs", new double[][] {{0.4, 0.6, 0.8, 1.0}, {0.5, 0.7, 1.1, 2.2}});
        return series;
    }

    @Test
    void lineChart_png_validImage(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("plots/ttft.png");
        Plots.lineChart(png, "Mean TTFT vs load", "load (fraction of peak)", "mean TTFT (s)", twoSeries());
        assertPng(png);
    }

    @Test
    void lineChart_svg_vectorFile(@TempDir Path dir) throws IOException {
        Path svg = dir.resolve("ttft.svg");
        Plots.lineChart(svg, "Mean TTFT vs load", "load", "mean TTFT (s)", twoSeries());
        String text = Files.readString(svg, StandardCharsets.UTF_8);
        assertThat(text).contains("<svg").contains("</svg>");
    }

    @Test
    void bandChart_png_validImage(@TempDir Path dir) throws IOException {
        int n = 50;
        double[] t = new double[n];
        double[] p10 = new double[n];
        double[] p90 = new double[n];
        double[] max = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = i;
            p10[i] = 40_000 + 500 * Math.sin(i / 5.0);
            p90[i] = 130_000 + 800 * Math.cos(i / 7.0);
            max[i] = 150_000;
        }
        Map<String, Plots.Band> bands = new LinkedHashMap<>();
        bands.put("immediate", new Plots.Band(t, p10, p90, max));
        bands.put("sbs", new Plots.Band(t, p10.clone(), p10.clone(), p90.clone()));
        bands.put("empty", new Plots.Band(new double[0], new double[0], new double[0], new double[0]));
        Path png = dir.resolve("kv.png");
        Plots.bandChart(png, "KV load per DP unit", "time (s)", "KV tokens", bands);
        assertPng(png);
    }

    @Test
    void barChart_png_validImage(@TempDir Path dir) throws IOException {
        Map<String, List<Double>> series = new LinkedHashMap<>();
        series.put("immediate", List.of(57.0, 70.0));
        series.put("sbs", List.of(70.0, 79.0));
        Path png = dir.resolve("qps.png");
        Plots.barChart(png, "Max QPS under the TTFT SLO", "chunk", "QPS", List.of("3K", "5K"), series);
        assertPng(png);
        Path noX = dir.resolve("qps2.png");
        Plots.barChart(noX, "Max QPS", "QPS", List.of("3K", "5K"), series);
        assertPng(noX);
    }

    @Test
    void plots_badInput_rejectedWithoutWriting(@TempDir Path dir) {
        assertThatThrownBy(() -> Plots.lineChart(dir.resolve("x.jpg"), "t", "x", "y", twoSeries()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(".png or .svg");
        assertThatThrownBy(() -> Plots.lineChart(dir.resolve("x.png"), "t", "x", "y",
                Map.of("bad", new double[][] {{1, 2}, {1}}))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad");
        assertThatThrownBy(() -> Plots.barChart(dir.resolve("b.png"), "t", "x", "y", List.of("a", "b"),
                Map.of("s", List.of(1.0)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Plots.Band(new double[2], new double[2], new double[1], new double[2]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(dir.resolve("x.png")).doesNotExist();
    }
}
