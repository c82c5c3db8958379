package io.sbs.state;

/**
 * A request a replica accepted, as the shared buffer keeps it until it is answered, so a new leader can
 * dispatch it again if the old one died before deciding it.
 *
 * @param requestId    the client's or the generated {@code X-Request-Id}
 * @param acceptedBy   the node holding the client's connection: the one that calls the engines and answers
 * @param path         the ingress path ({@code /v1/chat/completions}, ...)
 * @param body         the client's JSON body as received
 * @param promptTokens measured prompt length
 * @param outputTokens requested output length ({@code max_tokens}, or the default)
 * @param acceptedAtMs wall-clock acceptance time, epoch milliseconds
 * @param blockHashes  the prompt's prefix block hashes as the accepting node's ingress computed them, so the
 *                     leader places the request by the same cache view whoever accepted it; empty when none
 *                     (and in entries written before they were recorded)
 */
public record AcceptedRequest(String requestId, String acceptedBy, String path, String body, int promptTokens,
        int outputTokens, long acceptedAtMs, long[] blockHashes) {

    public AcceptedRequest {
        blockHashes = blockHashes == null ? new long[0] : blockHashes;
    }

    /** An accepted request without block hashes. */
    public AcceptedRequest(String requestId, String acceptedBy, String path, String body, int promptTokens,
            int outputTokens, long acceptedAtMs) {
        this(requestId, acceptedBy, path, body, promptTokens, outputTokens, acceptedAtMs, new long[0]);
    }

    // the hashes by content: an entry read back from Redis equals the one written
    @Override
    public boolean equals(Object o) {
        return o instanceof AcceptedRequest a && a.requestId.equals(requestId) && a.acceptedBy.equals(acceptedBy)
                && a.path.equals(path) && a.body.equals(body) && a.promptTokens == promptTokens
                && a.outputTokens == outputTokens && a.acceptedAtMs == acceptedAtMs
                && java.util.Arrays.equals(a.blockHashes, blockHashes);
    }

    @Override
    public int hashCode() {
        return requestId.hashCode();
    }

    @Override
    public String toString() {
        return "AcceptedRequest[requestId=" + requestId + ", acceptedBy=" + acceptedBy + ", path=" + path
                + ", promptTokens=" + promptTokens + ", outputTokens=" + outputTokens + ", acceptedAtMs="
                + acceptedAtMs + ", blocks=" + blockHashes.length + "]";
    }

    /** An accepted request with its position in the shared buffer. */
    public record Entry(String entryId, AcceptedRequest request) {
    }
}
