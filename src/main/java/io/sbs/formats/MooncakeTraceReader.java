package io.sbs.formats;

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
 * Reads Mooncake JSONL traces, one request per line: {@code {"timestamp": ms, "input_length": n,
 * "output_length": n, "hash_ids": [...]}}. Arrivals are the timestamps (milliseconds) as offsets from the
 * earliest one, sorted stably; lengths of 0 become 1; {@code hash_ids} (ids of consecutive 512-token prompt
 * blocks, optional) become the requests' {@link WorkloadRequest#blockHashes() block hashes}.
 *
 * <p>The conversation trace stamps arrivals in buckets of about three seconds. With
 * {@code spreadWithinBuckets}, the {@code n} rows sharing a timestamp are placed at
 * {@code t + i·gap/n} ({@code i} in file order), {@code gap} being the distance to the next distinct
 * timestamp; the last bucket has no next one and borrows the gap before it. Without it, rows of a bucket
 * arrive together. A malformed line is an {@link IllegalArgumentException} naming the file and line.
 */
public final class MooncakeTraceReader {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private MooncakeTraceReader() {
    }

    /** Reads {@code file}, spreading the rows of a timestamp bucket. */
    public static List<WorkloadRequest> read(Path file) {
        return read(file, true);
    }

    public static List<WorkloadRequest> read(Path file, boolean spreadWithinBuckets) {
        try (BufferedReader in = Files.newBufferedReader(file)) {
            return read(in, file.toString(), spreadWithinBuckets);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Reads from {@code in}; {@code source} names it in error messages. */
    public static List<WorkloadRequest> read(BufferedReader in, String source, boolean spreadWithinBuckets)
            throws IOException {
        List<Row> rows = new ArrayList<>();
        String line;
        int lineNo = 0;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (!line.isBlank()) {
                rows.add(parse(line, source, lineNo));
            }
        }
        rows.sort(Comparator.comparingLong(Row::nanos));
        List<WorkloadRequest> out = new ArrayList<>(rows.size());
        long origin = rows.isEmpty() ? 0 : rows.get(0).nanos();
        long previousGap = 0;
        int i = 0;
        while (i < rows.size()) {
            long t = rows.get(i).nanos();
            int j = i;
            while (j < rows.size() && rows.get(j).nanos() == t) {
                j++;
            }
            long gap = j < rows.size() ? rows.get(j).nanos() - t : previousGap;
            for (int k = i; k < j; k++) {
                Row r = rows.get(k);
                int bucket = j - i;
                int index = k - i;
                // floor(gap·index/bucket) without overflowing on long gaps
                long offset = spreadWithinBuckets ? gap / bucket * index + gap % bucket * index / bucket : 0;
                out.add(new WorkloadRequest(t - origin + offset, r.input(), r.output(), r.hashes()));
            }
            previousGap = gap;
            i = j;
        }
        return out;
    }

    private record Row(long nanos, int input, int output, long[] hashes) {
    }

    private static Row parse(String line, String source, int lineNo) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(where(source, lineNo) + "malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException(where(source, lineNo) + "expected a JSON object per line");
        }
        JsonNode ts = n.get("timestamp");
        // below 2^63 ns (292 years), so offsets cannot overflow
        if (ts == null || !ts.isNumber() || !(ts.doubleValue() >= 0) || !(ts.doubleValue() < 9e12)) {
            throw new IllegalArgumentException(where(source, lineNo) + "'timestamp' must be a number of ms in [0, 9e12)");
        }
        long nanos = ts.isIntegralNumber() ? ts.longValue() * 1_000_000L : Math.round(ts.doubleValue() * 1e6);
        int input = length(n, "input_length", source, lineNo);
        int output = length(n, "output_length", source, lineNo);
        JsonNode ids = n.get("hash_ids");
        long[] hashes = new long[0];
        if (ids != null && !ids.isNull()) {
            if (!ids.isArray()) {
                throw new IllegalArgumentException(where(source, lineNo) + "'hash_ids' must be an array of integers");
            }
            hashes = new long[ids.size()];
            for (int i = 0; i < hashes.length; i++) {
                JsonNode id = ids.get(i);
                if (!id.isIntegralNumber() || !id.canConvertToLong()) {
                    throw new IllegalArgumentException(where(source, lineNo) + "'hash_ids' must be an array of integers");
                }
                hashes[i] = id.longValue();
            }
        }
        return new Row(nanos, input, output, hashes);
    }

    private static int length(JsonNode n, String field, String source, int lineNo) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new IllegalArgumentException(where(source, lineNo) + "'" + field + "' must be an integer >= 0");
        }
        return Math.max(1, v.intValue());
    }

    private static String where(String source, int lineNo) {
        return source + ":" + lineNo + ": ";
    }
}
