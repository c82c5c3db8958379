package io.sbs.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

    record Point(String policy, double qps) {
    }

    @Test
    void writeJson_nestedMaps_sortedKeysPrettyPrinted(@TempDir Path dir) throws IOException {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", 1);
        inner.put("m", List.of(1.5, 2));
        Map<String, Object> outer = new LinkedHashMap<>();
        outer.put("b", inner);
        outer.put("a", new Point("sbs", 70.0));
        Path f = dir.resolve("deep/dir/summary.json");
        ReportWriter.writeJson(f, outer);
        String json = Files.readString(f);
        assertThat(json).endsWith("}\n").contains("\n  \"");
        assertThat(json.replaceAll("\\s", ""))
                .isEqualTo("{\"a\":{\"policy\":\"sbs\",\"qps\":70.0},\"b\":{\"m\":[1.5,2],\"z\":1}}");
    }

    @Test
    void writeText_createsParentsAndOverwrites(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a/b/report.md");
        ReportWriter.writeText(f, "one");
        ReportWriter.writeText(f, "two");
        assertThat(Files.readString(f)).isEqualTo("two");
    }
}
