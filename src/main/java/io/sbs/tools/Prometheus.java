package io.sbs.tools;

import org.jspecify.annotations.Nullable;

/** Reads a meter from Prometheus's text exposition format. */
public final class Prometheus {

    private Prometheus() {
    }

    /** The sum of every sample of {@code name} (all label sets), or null when the text has none. */
    public static @Nullable Double sum(String text, String name) {
        return sum(text, name, "");
    }

    /**
     * The sum of the samples of {@code name} whose labels contain {@code label} (such as
     * {@code source="estimate"}; empty for all), or null when the text has none.
     */
    public static @Nullable Double sum(String text, String name, String label) {
        Double total = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            String rest = line.substring(name.length());
            if (!rest.startsWith("{") && !rest.startsWith(" ")) {
                continue; // a longer name sharing the prefix
            }
            int end = rest.startsWith("{") ? rest.lastIndexOf('}') + 1 : 0;
            if (!rest.substring(0, end).contains(label)) {
                continue;
            }
            String[] value = rest.substring(end).trim().split("\\s+");
            try {
                total = (total == null ? 0 : total) + Double.parseDouble(value[0]);
            } catch (NumberFormatException e) {
                // not a sample line after all
            }
        }
        return total;
    }
}
