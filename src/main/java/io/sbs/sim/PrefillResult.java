package io.sbs.sim;

import io.sbs.core.ReadinessSource;
import java.util.Map;

/**
 * What one prefill simulation measured (requests arriving after warm-up). Times in seconds.
 *
 * @param saturated     the run stopped early because a request waited longer than the give-up limit
 * @param ttft          time to first token; unfinished requests count with their wait until the stop
 * @param schedulerQueue time from arrival to dispatch (scheduler-side queueing)
 * @param deviceQueue   time from reaching the engine to the start of its first pass (device-side queueing)
 * @param chunkUtilization mean over passes of tokens in the pass / (DP units x C_max)
 * @param passMillis    forward-pass durations in milliseconds
 * @param overloadedTicks dispatch cycles that ended with flow control on
 * @param events        simulation events processed
 * @param completedPromptTokens prompt tokens of the completed requests
 * @param lastFirstTokenNanos   virtual time of the last completed request's first token (0 when none)
 * @param readiness     pass boundaries each signal established, over every instance ({@link ReadinessSource})
 * @param tpotMs        coupled P/D only ({@link Stats#EMPTY} otherwise): time per output token in milliseconds,
 *                      from joining a decode batch to the last token
 * @param decodeQueueMs coupled P/D only: milliseconds from the KV's arrival on the decode unit to joining its batch
 * @param receivedPromptTokens prompt tokens of the measured requests that reached an engine
 * @param cachedPromptTokens   of those, the tokens the engine found in its prefix cache (and did not compute)
 */
public record PrefillResult(String policy, boolean saturated, int completed, int unfinished, int lost, Stats ttft, Stats schedulerQueue,
        Stats deviceQueue, double chunkUtilization, Stats passMillis, long watchdogFires, long overloadedTicks,
        int maxBuffered, long events, long completedPromptTokens, long lastFirstTokenNanos,
        Map<ReadinessSource, Long> readiness, Stats tpotMs, Stats decodeQueueMs, long receivedPromptTokens,
        long cachedPromptTokens) {

    public PrefillResult {
        readiness = Map.copyOf(readiness);
    }

    /** The prefix-cache hit ratio the engines realised: cached prompt tokens over prompt tokens (0 when none). */
    public double cacheHitRatio() {
        return receivedPromptTokens == 0 ? 0 : (double) cachedPromptTokens / receivedPromptTokens;
    }

    /** Pass boundaries (readiness decisions) {@code source} established, over every instance. */
    public long readiness(ReadinessSource source) {
        return readiness.getOrDefault(source, 0L);
    }
}
