package io.sbs.chaos;

import io.sbs.tools.MarkdownTable;
import io.sbs.tools.ReportWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A drill's results: one record per run, the overall figures, and notes on what could not be measured
 * and why. {@link #write} puts them in {@code summary.json} (top level: {@code runs} and the overall
 * figures, plus {@code drill}, {@code settings} and {@code notes}) and {@code summary.md}.
 */
record DrillReport(String drill, List<Map<String, @Nullable Object>> runs, Map<String, @Nullable Object> overall,
        List<String> notes) {

    DrillReport {
        runs = List.copyOf(runs);
        notes = List.copyOf(notes);
    }

    Map<String, @Nullable Object> toJson(ChaosOptions o) {
        Map<String, @Nullable Object> top = new LinkedHashMap<>(overall);
        top.put("drill", drill);
        top.put("runs", runs);
        top.put("notes", notes);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("runs", o.runs());
        settings.put("seed", o.seed());
        settings.put("qps", o.qps());
        settings.put("policy", o.policy());
        settings.put("after_s", o.after().toMillis() / 1000.0);
        settings.put("timeout_s", o.timeout().toMillis() / 1000.0);
        settings.put("dispatcher_args", o.dispatcherArgs());
        settings.put("redis", o.drill().equals("sentinel") ? "sentinel" : o.redis());
        settings.put("push", o.push());
        top.put("settings", settings);
        return top;
    }

    void write(Path out, ChaosOptions o) {
        ReportWriter.writeJson(out.resolve("summary.json"), toJson(o));
        ReportWriter.writeText(out.resolve("summary.md"), markdown(o));
    }

    String markdown(ChaosOptions o) {
        StringBuilder md = new StringBuilder("# Chaos drill `").append(drill).append("`\n\n");
        md.append(String.format(java.util.Locale.ROOT, "%d run(s), seed %d, %.1f requests/s over both dispatchers, "
                + "policy `%s`, client timeout %d s.%n%n", o.runs(), o.seed(), o.qps(), o.policy(),
                o.timeout().toSeconds()));
        if (!runs.isEmpty()) {
            // scalars only: maps and lists (answers by status) stay in summary.json
            List<String> columns = new ArrayList<>(runs.get(0).keySet());
            columns.removeIf(c -> runs.stream().anyMatch(r -> r.get(c) instanceof Map || r.get(c) instanceof List));
            MarkdownTable t = new MarkdownTable(1, columns.toArray(String[]::new));
            for (Map<String, @Nullable Object> r : runs) {
                t.row(columns.stream().map(c -> r.get(c) == null ? "—" : r.get(c)).toArray());
            }
            md.append(t.render()).append('\n');
        }
        md.append("Overall:\n\n");
        overall.forEach((k, v) -> md.append("- `").append(k).append("`: ")
                .append(v instanceof Map || v instanceof List ? ReportWriter.toJson(v).replaceAll("\\s+", " ")
                        : String.valueOf(v)).append('\n'));
        if (!notes.isEmpty()) {
            md.append("\nNotes:\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        return md.toString();
    }
}
