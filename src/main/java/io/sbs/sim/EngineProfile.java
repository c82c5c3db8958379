package io.sbs.sim;

import java.util.Objects;

/**
 * An engine profile: the cluster shape and the timing model of the simulated engines, loaded from a data
 * file so an operator can fit one to their own cluster. Times are milliseconds, lengths tokens.
 * {@code docs/simulator.md} explains every field and where each shipped value comes from.
 */
public record EngineProfile(String name, String description, Prefill prefill, Decode decode, Network network) {

    public EngineProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(prefill, "prefill");
        Objects.requireNonNull(decode, "decode");
        Objects.requireNonNull(network, "network");
        description = description == null ? "" : description;
    }

    /** How the engine's chunk budget maps to a DP unit. */
    public enum ChunkSemantics {
        /** {@code chunkTokens} is each DP unit's own budget per pass. */
        PER_UNIT,
        /** SGLang under DP attention: {@code chunkTokens} is global, divided by the DP size. */
        GLOBAL_DIVIDED
    }

    /**
     * Prefill instances. Pass time: {@code t0 + max_d(bMax * tokens_d + attention * Σ chunk·context / 1e6)
     * + bSum * Σ_d tokens_d}, times {@code (1 + jitter·U(-1,1))}.
     *
     * @param instances             prefill instances
     * @param dpUnits               DP units (attention ranks) per instance
     * @param chunkTokens           chunked-prefill budget, see {@link #chunkSemantics}
     * @param chunkSemantics        per unit, or global divided by DP size
     * @param t0Ms                  fixed cost of a pass (launch, synchronization, MoE all-to-all floor)
     * @param bMaxMsPerToken        per-token cost on the most loaded unit (the straggler term)
     * @param bSumMsPerToken        per-token cost of the instance's total tokens (shared MoE/expert work)
     * @param attentionMsPerMTokenSq attention cost per million of chunk-length x context-length products
     * @param jitterFraction        uniform multiplicative jitter of a pass
     * @param cacheBlocksPerUnit    prefix blocks each unit keeps cached (0: no prefix caching)
     * @param cacheBlockTokens      tokens per prefix block
     */
    public record Prefill(int instances, int dpUnits, int chunkTokens, ChunkSemantics chunkSemantics, double t0Ms,
            double bMaxMsPerToken, double bSumMsPerToken, double attentionMsPerMTokenSq, double jitterFraction,
            int cacheBlocksPerUnit, int cacheBlockTokens) {

        public Prefill {
            if (instances < 1 || dpUnits < 1 || chunkTokens < dpUnits) {
                throw new IllegalArgumentException("prefill needs instances >= 1, dpUnits >= 1, chunkTokens >= dpUnits");
            }
            if (t0Ms < 0 || bMaxMsPerToken < 0 || bSumMsPerToken < 0 || attentionMsPerMTokenSq < 0
                    || jitterFraction < 0 || jitterFraction >= 1 || cacheBlocksPerUnit < 0 || cacheBlockTokens < 1) {
                throw new IllegalArgumentException("prefill costs must be >= 0 and jitter in [0, 1)");
            }
            Objects.requireNonNull(chunkSemantics, "chunkSemantics");
        }

        /** {@code C_max}: new prompt tokens one DP unit takes per pass. */
        public int unitChunkTokens() {
            return chunkSemantics == ChunkSemantics.PER_UNIT ? chunkTokens : chunkTokens / dpUnits;
        }

        public Prefill withChunkTokens(int tokens) {
            return new Prefill(instances, dpUnits, tokens, chunkSemantics, t0Ms, bMaxMsPerToken, bSumMsPerToken,
                    attentionMsPerMTokenSq, jitterFraction, cacheBlocksPerUnit, cacheBlockTokens);
        }

        public Prefill withInstances(int count, int units) {
            return new Prefill(count, units, chunkTokens, chunkSemantics, t0Ms, bMaxMsPerToken, bSumMsPerToken,
                    attentionMsPerMTokenSq, jitterFraction, cacheBlocksPerUnit, cacheBlockTokens);
        }
    }

    /**
     * Decode instances, stepping in lockstep. Step time: {@code t0 + max_d(kv * k_d / 1000 + batch * b_d)
     * + shared * Σ_d b_d}, times {@code (1 + jitter·U(-1,1))}.
     *
     * @param instances            decode instances
     * @param dpUnits              DP units per instance
     * @param kvCapacityTokens     KV-cache tokens each unit holds at most
     * @param t0Ms                 fixed cost of a step
     * @param kvMsPerKToken        attention cost per thousand KV tokens on the most loaded unit
     * @param batchMsPerRequest    per-request cost on the unit with the largest batch
     * @param sharedMsPerRequest   per-request cost of the instance's total batch (MoE/expert work)
     * @param jitterFraction       uniform multiplicative jitter of a step
     */
    public record Decode(int instances, int dpUnits, long kvCapacityTokens, double t0Ms, double kvMsPerKToken,
            double batchMsPerRequest, double sharedMsPerRequest, double jitterFraction) {

        public Decode {
            if (instances < 1 || dpUnits < 1 || kvCapacityTokens < 1) {
                throw new IllegalArgumentException("decode needs instances, dpUnits and kvCapacityTokens >= 1");
            }
            if (t0Ms < 0 || kvMsPerKToken < 0 || batchMsPerRequest < 0 || sharedMsPerRequest < 0
                    || jitterFraction < 0 || jitterFraction >= 1) {
                throw new IllegalArgumentException("decode costs must be >= 0 and jitter in [0, 1)");
            }
        }

        public Decode withInstances(int count, int units) {
            return new Decode(count, units, kvCapacityTokens, t0Ms, kvMsPerKToken, batchMsPerRequest,
                    sharedMsPerRequest, jitterFraction);
        }
    }

    /**
     * Latencies between dispatcher and engines.
     *
     * @param dispatchLatencyMs dispatcher to engine (request delivery)
     * @param signalLatencyMs   engine to dispatcher (EndForward, completion)
     * @param kvTransferMs      prefill to decode handover of the KV cache
     */
    public record Network(double dispatchLatencyMs, double signalLatencyMs, double kvTransferMs) {

        public Network {
            if (dispatchLatencyMs < 0 || signalLatencyMs < 0 || kvTransferMs < 0) {
                throw new IllegalArgumentException("latencies must be >= 0");
            }
        }
    }

    public EngineProfile withPrefill(Prefill p) {
        return new EngineProfile(name, description, p, decode, network);
    }

    public EngineProfile withDecode(Decode d) {
        return new EngineProfile(name, description, prefill, d, network);
    }
}
