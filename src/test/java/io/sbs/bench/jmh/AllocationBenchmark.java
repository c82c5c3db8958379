package io.sbs.bench.jmh;

import io.sbs.core.Allocation;
import io.sbs.core.DpUnitId;
import io.sbs.core.DpUnitState;
import io.sbs.core.InferenceRequest;
import io.sbs.core.IqrLexicographicDecodeAllocator;
import io.sbs.core.Phase;
import io.sbs.core.WaterFillingPrefillAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One dispatch cycle's allocation of 1,000 requests over 320 DP units, for prefill (PBAA water filling)
 * and decode (IQR mask + lexicographic). Run with {@code app/bench jmh}; the goal is at most 1 ms each.
 * The allocators are pure, so the same state serves every invocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AllocationBenchmark {

    private static final int UNITS = 320;
    private static final int REQUESTS = 1_000;

    private List<DpUnitState> prefillUnits;
    private List<DpUnitState> decodeUnits;
    private List<InferenceRequest> carried;
    private List<InferenceRequest> fresh;
    private List<InferenceRequest> window;
    private final WaterFillingPrefillAllocator waterFilling = new WaterFillingPrefillAllocator();
    private final IqrLexicographicDecodeAllocator iqr = new IqrLexicographicDecodeAllocator(1.5);

    @Setup
    public void setUp() {
        SplittableRandom r = new SplittableRandom(42);
        prefillUnits = new ArrayList<>();
        decodeUnits = new ArrayList<>();
        for (int i = 0; i < UNITS; i++) {
            DpUnitState p = new DpUnitState(new DpUnitId("p" + i / 8, i % 8), Phase.PREFILL, 16_384, Long.MAX_VALUE, 0);
            p.track(0, r.nextInt(8_000) + 1, 0);
            prefillUnits.add(p);
            DpUnitState d = new DpUnitState(new DpUnitId("d" + i / 32, i % 32), Phase.DECODE, 1, 400_000, 0);
            d.reportDecode(20 + r.nextInt(30), 40_000 + r.nextInt(120_000), 0, 0);
            decodeUnits.add(d);
        }
        carried = new ArrayList<>();
        fresh = new ArrayList<>();
        window = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            int len = 1 + (int) Math.min(16_000, Math.exp(6.5 + r.nextGaussian()));
            InferenceRequest req = new InferenceRequest(i, len, 200, i);
            (i < 100 ? carried : fresh).add(req);
            window.add(new InferenceRequest(i, len, 1 + r.nextInt(2_000), i));
        }
    }

    @Benchmark
    public Allocation prefillWaterFilling() {
        return waterFilling.allocate(carried, fresh, prefillUnits);
    }

    @Benchmark
    public Allocation decodeIqrLexicographic() {
        return iqr.allocate(window, decodeUnits);
    }
}
