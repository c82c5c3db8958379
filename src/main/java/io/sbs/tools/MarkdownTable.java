package io.sbs.tools;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A GitHub-flavoured markdown table, built row by row. Floating-point cells ({@code double}, {@code float},
 * {@link BigDecimal}) are printed with a fixed number of decimals (non-finite ones as an em dash), integers
 * and text as they are; {@code |} and line breaks in text are escaped so a cell cannot break the table.
 * The first column is left-aligned, the others right-aligned, which suits a label followed by numbers.
 */
public final class MarkdownTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();
    private final int decimals;

    /**
     * @param decimals digits after the point for floating-point cells
     * @param header   column titles
     */
    public MarkdownTable(int decimals, String... header) {
        if (decimals < 0 || header.length == 0) {
            throw new IllegalArgumentException("need decimals >= 0 and at least one column");
        }
        this.decimals = decimals;
        List<String> h = new ArrayList<>(header.length);
        for (String title : header) {
            h.add(escape(title));
        }
        this.header = List.copyOf(h);
    }

    /** Appends a row; it must have one cell per column. */
    public MarkdownTable row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, header " + header.size());
        }
        List<String> r = new ArrayList<>(cells.length);
        for (Object c : cells) {
            r.add(format(c));
        }
        rows.add(r);
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    private String format(Object c) {
        if (c instanceof Double || c instanceof Float) {
            double d = ((Number) c).doubleValue();
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%." + decimals + "f", d) : "—";
        }
        if (c instanceof BigDecimal b) {
            return String.format(Locale.ROOT, "%." + decimals + "f", b);
        }
        return escape(String.valueOf(c));
    }

    private static String escape(String s) {
        return s.replace("|", "\\|").replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    /** The table as markdown, one line per row, ending in a newline. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.size(); i++) {
            sb.append(i == 0 ? "---|" : "---:|");
        }
        sb.append('\n');
        for (List<String> r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }
}
