package io.sbs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No class in {@code src/main} over 350 lines unless docs/architecture.md, "Classes over 350 lines, and
 * why", names it in bold with its reason: a class that grows past the limit fails here until it is split or
 * the doc says why it should not be.
 */
class ClassSizeTest {

    private static final int LIMIT = 350;
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path ARCHITECTURE = Path.of("docs/architecture.md");
    private static final Pattern EXCEPTION = Pattern.compile("^- \\*\\*`([\\w.]+)`\\*\\*", Pattern.MULTILINE);

    @Test
    void noClassOverTheLimit_unlessTheArchitectureDocSaysWhy() throws IOException {
        Set<String> explained = explained();
        Map<String, Long> over = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                long lines;
                try (Stream<String> l = Files.lines(file)) {
                    lines = l.count();
                }
                if (lines > LIMIT) {
                    over.put(className(file), lines);
                }
            }
        }
        assertThat(over.keySet()).as("classes over %d lines: %s", LIMIT, over).isSubsetOf(explained);
        assertThat(explained).as("classes the doc explains that are no longer over the limit (drop them from it)")
                .isSubsetOf(over.keySet());
    }

    private static Set<String> explained() throws IOException {
        String doc = Files.readString(ARCHITECTURE);
        int start = doc.indexOf("## Classes over 350 lines, and why");
        assertThat(start).as("the section in docs/architecture.md").isNotNegative();
        int end = doc.indexOf("\n## ", start + 1);
        Matcher m = EXCEPTION.matcher(doc.substring(start, end < 0 ? doc.length() : end));
        return m.results().map(r -> r.group(1)).collect(Collectors.toSet());
    }

    private static String className(Path file) {
        String relative = SOURCES.relativize(file).toString();
        return relative.substring(0, relative.length() - ".java".length()).replace('/', '.');
    }
}
