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
 */
public record AcceptedRequest(String requestId, String acceptedBy, String path, String body, int promptTokens,
        int outputTokens, long acceptedAtMs) {

    /** An accepted request with its position in the shared buffer. */
    public record Entry(String entryId, AcceptedRequest request) {
    }
}
