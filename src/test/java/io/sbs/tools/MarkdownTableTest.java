package io.sbs.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class MarkdownTableTest {

    @Test
    void render_mixedCells_fixedDecimalsForFloatingPointOnly() {
        String t = new MarkdownTable(2, "policy", "QPS", "util", "runs")
                .row("immediate", 57.0, 0.518f, 3)
                .row("sbs", 70.456, new BigDecimal("0.8875"), 3L)
                .row("none", Double.NaN, Double.POSITIVE_INFINITY, 0)
                .render();
        assertThat(t).isEqualTo("""
                | policy | QPS | util | runs |
                |---|---:|---:|---:|
                | immediate | 57.00 | 0.52 | 3 |
                | sbs | 70.46 | 0.89 | 3 |
                | none | — | — | 0 |
                """);
    }

    @Test
    void render_pipesAndNewlinesInText_escaped() {
        String t = new MarkdownTable(0, "a|b").row("x|y\nz").render();
        assertThat(t).isEqualTo("| a\\|b |\n|---|\n| x\\|y z |\n");
    }

    @Test
    void row_wrongCellCount_rejected() {
        MarkdownTable t = new MarkdownTable(1, "a", "b");
        assertThatThrownBy(() -> t.row("only one")).isInstanceOf(IllegalArgumentException.class);
        assertThat(t.rowCount()).isZero();
    }
}
