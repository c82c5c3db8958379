package io.sbs.bench.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A GitHub-flavoured markdown table; numbers are printed with a fixed number of decimals. */
public final class MarkdownTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();
    private final int decimals;

    public MarkdownTable(int decimals, String... header) {
        this.header = List.of(header);
        this.decimals = decimals;
    }

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

    private String format(Object c) {
        if (c instanceof Double || c instanceof Float) {
            double d = ((Number) c).doubleValue();
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%." + decimals + "f", d) : "—";
        }
        return String.valueOf(c);
    }

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
}
