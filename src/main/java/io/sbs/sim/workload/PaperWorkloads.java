package io.sbs.sim.workload;

/**
 * The paper's workloads (section 5) as length distributions. The paper gives ranges and means only; the
 * shape is ours: truncated log-normals, whose right tail is what conversational traces show (the Azure
 * conversation trace has a mean prompt of about 1.2K tokens and a p99 of about 4.1K).
 */
public final class PaperWorkloads {

    /** Prompts of 0–3K tokens with mean about 1K (section 5.1, the TTFT and max-QPS experiments). */
    public static final LengthDistribution SHORT_PROMPTS = new TruncatedLogNormal(1, 3072, 1024, 1.0);

    /** Long-context prompts of 3K–64K tokens with mean about 6.7K (section 5.1). */
    public static final LengthDistribution LONG_PROMPTS = new TruncatedLogNormal(3072, 65536, 6700, 1.0);

    /** Outputs for the prefill experiments, where only the first token matters (mean about 200). */
    public static final LengthDistribution PREFILL_OUTPUTS = new TruncatedLogNormal(1, 4096, 200, 1.0);

    /**
     * Decode prompts: mean about 2K with a heavy tail, so that prompt plus output is about 2.5K and the KV
     * load a request brings to a DP unit varies widely, as in the paper's decode experiment (section 5.3).
     */
    public static final LengthDistribution DECODE_PROMPTS = new TruncatedLogNormal(16, 32768, 2000, 1.2);

    /** Decode outputs: mean about 500. */
    public static final LengthDistribution DECODE_OUTPUTS = new TruncatedLogNormal(4, 8192, 500, 0.8);

    private PaperWorkloads() {
    }
}
