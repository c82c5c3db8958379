package io.sbs.core;

/**
 * EndForward for a decode instance: a decode step finished. Arrays are indexed by DP rank.
 *
 * @param batch            running requests per unit after the step ({@code b_d})
 * @param kvTokens         KV-cache tokens held per unit after the step ({@code k_d})
 * @param receivedRequests requests sent by the dispatcher that joined each unit since the last report
 * @param receivedKvTokens their KV tokens as the dispatcher counted them at dispatch
 */
public record DecodeStepEndedEvent(String instanceId, long endedAtNanos, long durationNanos, int[] batch,
        long[] kvTokens, int[] receivedRequests, long[] receivedKvTokens) {
}
