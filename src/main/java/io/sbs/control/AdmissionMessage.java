package io.sbs.control;

import io.sbs.core.DpUnitId;
import org.jspecify.annotations.Nullable;

/**
 * The messages nodes exchange over the store for shared admission ({@link SharedAdmission}), as
 * {@link AdmissionCodec} puts them on the wire.
 */
sealed interface AdmissionMessage {

    /** To the leader: a node accepted a request into the buffer (a nudge to claim it now). */
    record Accepted() implements AdmissionMessage {
    }

    /**
     * To the leader: the accepting node is done with the prefill of an entry the leader decided at
     * {@code epoch}, either on its first token (a readiness signal) or without one (a release).
     */
    record PrefillDone(String entryId, long epoch, boolean firstToken) implements AdmissionMessage {
    }

    /** To the leader: an EndForward push a standby took in, relayed as the engine sent it. */
    record EndForward(String payload) implements AdmissionMessage {
    }

    /**
     * To the accepting node, and stored with the entry: the leader at {@code epoch} assigned the entry to
     * these DP units.
     *
     * @param decodeUnit {@code null} without decode instances
     */
    record Assignment(String entryId, long epoch, DpUnitId unit, @Nullable DpUnitId decodeUnit)
            implements AdmissionMessage {
    }
}
