package io.sbs.cluster;

/**
 * A decision names an instance this node still has no client for after waiting: the leader decided for an
 * instance registered a moment ago that this node has not followed yet, or that has just been removed.
 * Nothing was sent to an engine, so the ingress answers 503 with {@code Retry-After} (the client may simply
 * try again) rather than a 500.
 */
public final class UnknownInstanceException extends RuntimeException {

    public UnknownInstanceException(String instanceId) {
        super("unknown instance: " + instanceId, null, false, false);
    }
}
