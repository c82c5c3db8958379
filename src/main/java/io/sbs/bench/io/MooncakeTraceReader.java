package io.sbs.bench.io;

import io.sbs.sim.WorkloadRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads Mooncake JSONL traces ({@code {"timestamp": ms, "input_length": n, "output_length": n,
 * "hash_ids": [...]}} per line). The hash ids become the requests' prefix block hashes. The conversation
 * trace stamps arrivals in buckets of about three seconds; with {@code spreadWithinBuckets} the rows of a
 * bucket are spread evenly over the gap to the next distinct timestamp.
 */
public final class MooncakeTraceReader {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private MooncakeTraceReader() {
    }

    public static List<WorkloadRequest> read(Path file, boolean spreadWithinBuckets) {
        try (BufferedReader in = Files.newBufferedReader(file)) {
            return read(in, file.toString(), spreadWithinBuckets);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static List<WorkloadRequest> read(BufferedReader in, String name, boolean spread) throws IOException {
        List<long[]> rows = new ArrayList<>();
        List<long[]> hashes = new ArrayList<>();
        String line;
        int lineNo = 0;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                long ts = require(n, "timestamp", name, lineNo).asLong();
                int input = Math.max(1, require(n, "input_length", name, lineNo).asInt());
                int output = Math.max(1, require(n, "output_length", name, lineNo).asInt());
                JsonNode ids = n.get("hash_ids");
                long[] h = new long[ids == null ? 0 : ids.size()];
                for (int i = 0; i < h.length; i++) {
                    h[i] = ids.get(i).asLong();
                }
                rows.add(new long[] {ts, input, output});
                hashes.add(h);
            } catch (JacksonException e) {
                throw new IllegalArgumentException(name + ":" + lineNo + ": malformed JSON: " + e.getOriginalMessage(), e);
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingLong(i -> rows.get(i)[0]));
        List<WorkloadRequest> out = new ArrayList<>(rows.size());
        long origin = rows.isEmpty() ? 0 : rows.get(order.get(0))[0];
        int i = 0;
        while (i < order.size()) {
            long ts = rows.get(order.get(i))[0];
            int j = i;
            while (j < order.size() && rows.get(order.get(j))[0] == ts) {
                j++;
            }
            long nextTs = j < order.size() ? rows.get(order.get(j))[0] : ts;
            long bucketNanos = (nextTs - ts) * 1_000_000L;
            for (int k = i; k < j; k++) {
                long[] r = rows.get(order.get(k));
                long offset = spread && bucketNanos > 0 ? bucketNanos * (k - i) / (j - i) : 0;
                out.add(new WorkloadRequest((ts - origin) * 1_000_000L + offset, (int) r[1], (int) r[2],
                        hashes.get(order.get(k))));
            }
            i = j;
        }
        return out;
    }

    private static JsonNode require(JsonNode n, String field, String name, int lineNo) {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(name + ":" + lineNo + ": missing number '" + field + "'");
        }
        return v;
    }
}
